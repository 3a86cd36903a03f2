import type {
  DatabaseService,
  LifecycleService,
  LoggerService,
  RootConfigService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import type { ContractsGraphService } from '../services/ContractsGraphService';
import type { DecisionsService } from '../services/DecisionsService';
import {
  ContractsNotifier,
  DEFAULT_SEND_INTERVAL_MS,
} from './ContractsNotifier';
import { ContractsSignals } from './ContractsSignals';
import { NotificationsSentStore } from './NotificationsSentStore';

/** The id of the scheduled review reminders (one replica per run). */
export const REVIEW_REMINDERS_TASK_ID = 'contracts-decision-review-reminders';

/**
 * `contracts.notifications.*` and `contracts.signals.*`, with their defaults
 * (`contracts.notifications.sendInterval`: the least time between two notifications a replica
 * sends, ms, default 100).
 */
export function readNotificationSettings(config: RootConfigService) {
  const n = config.getOptionalConfig('contracts.notifications');
  const days = n?.getOptionalNumber('reviewReminderDays') ?? 14;
  const minutes = n?.getOptionalNumber('reviewReminderFrequencyMinutes') ?? 60;
  const sendIntervalMs =
    n?.getOptionalNumber('sendInterval') ?? DEFAULT_SEND_INTERVAL_MS;
  if (!(days >= 0) || !(minutes > 0) || !(sendIntervalMs >= 0)) {
    throw new Error(
      'contracts.notifications: reviewReminderDays must be ≥ 0, reviewReminderFrequencyMinutes > 0 and sendInterval (ms) ≥ 0',
    );
  }
  return {
    notifications: n?.getOptionalBoolean('enabled') ?? true,
    reviewReminderDays: days,
    reviewReminderFrequencyMinutes: minutes,
    sendIntervalMs,
    signals: config.getOptionalBoolean('contracts.signals.enabled') ?? true,
  };
}

/**
 * Notifications and signals, wired: the notifier follows the graph's snapshots and the records
 * made on this replica, the review reminders run on a schedule (one replica per run), and the
 * pages hear of every change of the graph and of the decisions.
 */
export async function setUpNotifications(options: {
  config: RootConfigService;
  database: DatabaseService;
  logger: LoggerService;
  scheduler: SchedulerService;
  lifecycle: LifecycleService;
  notifications: NotificationService;
  signals: SignalsService;
  graph: ContractsGraphService;
  decisions: DecisionsService;
}): Promise<void> {
  const { graph, decisions, logger } = options;
  const settings = readNotificationSettings(options.config);
  if (settings.signals) {
    const signals = new ContractsSignals({
      signals: options.signals,
      logger,
    });
    graph.onPublish(() => signals.changed('graph'));
    decisions.onChange(() => signals.changed('decisions'));
    options.lifecycle.addShutdownHook(() => signals.stop());
  }
  if (!settings.notifications) return;
  const notifier = new ContractsNotifier({
    notifications: options.notifications,
    decisions,
    sent: await NotificationsSentStore.create({ database: options.database }),
    logger,
    settings,
  });
  graph.onPublish(s => {
    notifier.onSnapshot(s);
  });
  // a graph published before this listener was added
  if (graph.snapshot().computedAt) notifier.onSnapshot(graph.snapshot());
  decisions.onChange(({ decision, created }) => {
    if (created) notifier.onRecorded(decision);
  });
  await options.scheduler.scheduleTask({
    id: REVIEW_REMINDERS_TASK_ID,
    frequency: { minutes: settings.reviewReminderFrequencyMinutes },
    timeout: { minutes: 10 },
    initialDelay: { minutes: 1 },
    fn: async () => {
      // the records of the other replicas too
      await decisions.sync();
      await notifier.remindReviews();
    },
  });
}
