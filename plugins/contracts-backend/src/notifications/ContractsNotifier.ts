import type { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { NotificationSeverity } from '@backstage/plugin-notifications-common';
import {
  type Finding,
  reviewDeadline,
} from '@backstage-contracts/plugin-contracts-common';
import type { Decision } from '../database/DecisionsStore';
import type { GraphSnapshot } from '../services/ContractsGraphService';
import { FindingFlag, type GraphItems } from '../services/analysis/graphItems';
import type { DecisionsService } from '../services/DecisionsService';
import type { NotificationsSentStore } from './NotificationsSentStore';

/**
 * Notification topics of contracts: what a user mutes in the notifications settings (per
 * origin `plugin:contracts` and topic).
 * @public
 */
export const CONTRACTS_NOTIFICATION_TOPICS = {
  /** A new trade-off or error finding on one of the decider's services. */
  finding: 'Contract conflicts',
  /** A decision recorded, superseded, or reopened because its evidence changed. */
  decision: 'Trade-off decisions',
  /** A decision's review-by date is near. */
  review: 'Decision reviews',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;
/** The severities a new finding notifies its deciders of. */
const NOTIFIED: ReadonlySet<string> = new Set(['error', 'tradeoff']);

/** The path of a finding on its consumer's entity page (the Contracts tab). */
export function findingLink(finding: Pick<Finding, 'id' | 'consumer'>): string {
  try {
    const { kind, namespace, name } = parseEntityRef(finding.consumer);
    return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(
      kind.toLocaleLowerCase('en-US'),
    )}/${encodeURIComponent(name)}/contracts?finding=${encodeURIComponent(
      finding.id,
    )}`;
  } catch {
    return `/contracts?finding=${encodeURIComponent(finding.id)}`;
  }
}

const nameOf = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1) || ref;

/** Settings of {@link ContractsNotifier}. */
export interface NotifierSettings {
  /** Days before a decision's review-by date its deciders are reminded. */
  reviewReminderDays: number;
  /**
   * The least time between two notifications this replica sends, ms (default
   * {@link DEFAULT_SEND_INTERVAL_MS}; 0: no pause). Each send is a request to the notifications
   * backend, which resolves the recipients through the catalog and stores a row per user: a
   * burst of them competes with the host's other requests.
   */
  sendIntervalMs?: number;
}

/** The default of {@link NotifierSettings.sendIntervalMs}: at most 10 notifications a second. */
export const DEFAULT_SEND_INTERVAL_MS = 100;

/** Records made on one finding on this replica, not notified yet. */
interface PendingRecords {
  /** The newest of them. */
  latest: Decision;
  ids: string[];
  recorders: Set<string>;
  /** Called once they are notified (or the send failed). */
  done: Array<() => void>;
}

/**
 * Tells the deciders of a finding (as the engine names them: owners of both sides and the
 * groups configured for the rule) through the notifications backend: when a new trade-off or
 * error appears, when a decision on it is recorded or superseded, when an accepted decision is
 * reopened because the finding's evidence changed, and before a decision's review-by date.
 * Each is sent once (a key claimed in {@link NotificationsSentStore}: one replica sends it, a
 * recompute never again) under one scope per finding (per decision for reminders), so that
 * what follows updates the notification instead of adding one.
 *
 * Sends are paced (`sendIntervalMs` apart) and records are notified per finding: the records
 * made on a finding while its notification waits for its turn are told in that one
 * notification (the newest, and how many), since each would only have replaced the one before
 * under the same scope. A burst of writes thus costs at most one send per interval, however
 * many records it makes, and the backlog is at most one entry per finding.
 */
export class ContractsNotifier {
  private queue: Promise<void> = Promise.resolve();
  /** Records waiting for their notification, by finding, oldest first. */
  private readonly pending = new Map<string, PendingRecords>();
  private draining = false;

  constructor(
    private readonly options: {
      notifications: NotificationService;
      decisions: DecisionsService;
      sent: NotificationsSentStore;
      logger: LoggerService;
      settings: NotifierSettings;
      now?: () => number;
    },
  ) {}

  /** Runs one task after the other (snapshots, records, reminders), errors logged. */
  private enqueue(what: string, task: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(task).catch(error =>
      this.options.logger.warn(`Contracts notifications: ${what} failed`, {
        error: String(error),
      }),
    );
    return this.queue;
  }

  private get interval(): number {
    return this.options.settings.sendIntervalMs ?? DEFAULT_SEND_INTERVAL_MS;
  }

  private lastSend = -Infinity;

  /** Waits until `sendIntervalMs` has passed since the last send. */
  private async paced(): Promise<void> {
    const wait = this.lastSend + this.interval - Date.now();
    if (wait > 0) await new Promise(r => setTimeout(r, wait));
    this.lastSend = Date.now();
  }

  private async send(
    deciders: readonly string[],
    payload: {
      title: string;
      description: string;
      link: string;
      severity: NotificationSeverity;
      topic: string;
      scope: string;
    },
    exclude?: string,
  ) {
    if (!deciders.length) return;
    await this.paced();
    await this.options.notifications.send({
      recipients: {
        type: 'entity',
        entityRef: [...deciders],
        ...(exclude ? { excludeEntityRef: exclude } : {}),
      },
      payload,
    });
  }

  /** The items of the last graph looked at: what the next one's changes are told against. */
  private lookedAt?: GraphItems;

  /**
   * The rows of `snapshot`'s findings that may notify: after the graph last looked at, those a
   * delta of it changed and those with accepted decisions (whose evidence is compared whatever
   * changed) — the others were looked at, and their keys claimed, with it; undefined: every one
   * (a first graph, or one that is no delta of the last). At 100k entities a scan of every
   * finding was ~35 ms of the delta's end task on the main thread, and a claim of every notable
   * key (statements of 500) each recompute (`node --cpu-prof --import tsx
   * scripts/bench-recompute.ts --entities 100000 --runs 2 --change 1 --notifier`).
   */
  private rowsToLookAt(snapshot: GraphSnapshot): number[] | undefined {
    const { items, changes } = snapshot;
    const last = this.lookedAt;
    let ids: readonly string[];
    if (last && items === last) ids = [];
    else if (last && changes?.since.items === last) ids = changes.findings;
    else return undefined;
    const rows = new Set<number>();
    const add = (id: string) => {
      const row = items.findingRowIndex.get(id);
      if (row !== undefined) rows.add(row);
    };
    for (const id of ids) add(id);
    for (const d of this.options.decisions.all()) {
      if (d.status === 'accepted') add(d.findingId);
    }
    return [...rows].sort((a, b) => a - b);
  }

  /**
   * A published graph: new trade-offs and errors, and accepted decisions whose finding's
   * evidence changed. The first graph a database ever sees notifies nothing: what is there
   * already is marked as sent (else installing the plugin would notify every finding at once).
   *
   * Each graph looked at is marked so once its keys are claimed (NotificationsSentStore's
   * `markLooked`): a persisted snapshot a replica adopts (a restart, a follower) was looked at by
   * the replica that computed it, and is taken as looked at without a claim — only what the
   * next graphs change is claimed. At 100k entities the claim of its every notable key was a
   * 377 ms task of a restart on the main thread. Unmarked (its replica died between persisting
   * and claiming, or has not claimed yet), it is looked at whole, as any graph that is no
   * delta of the last: nothing is lost, and the claims keep each notification to one replica.
   */
  onSnapshot(snapshot: GraphSnapshot): Promise<void> {
    return this.enqueue('graph', async () => {
      if (!snapshot.computedAt) return;
      const { sent, decisions } = this.options;
      // the candidates from the findings' columns: a finding is parsed only to be sent
      const { items } = snapshot;
      const fresh = new Map<string, () => Promise<void>>();
      const lookAt = (row: number) => {
        const id = items.findingIds[row];
        if (
          NOTIFIED.has(items.severity(row)) &&
          items.flag(row, FindingFlag.deciders)
        ) {
          fresh.set(`finding:${id}`, () => {
            const f = items.findings.at(row);
            return this.send(f.deciders!, {
              title: `${
                f.severity === 'error'
                  ? 'Contract conflict'
                  : 'Trade-off to decide'
              }: ${nameOf(f.consumer)} → ${nameOf(f.provider)}`,
              description: `${f.title} (${f.subject}): ${f.consumer} expects ${f.expected}, ${f.provider} has ${f.actual}.`,
              link: findingLink(f),
              severity: f.severity === 'error' ? 'high' : 'normal',
              topic: CONTRACTS_NOTIFICATION_TOPICS.finding,
              scope: `contracts:finding:${f.id}`,
            });
          });
        }
        const evidence = items.evidence.at(row);
        for (const d of decisions.forFinding(id)) {
          if (d.status !== 'accepted' || d.evidenceHash === evidence) continue;
          fresh.set(`reopened:${d.id}:${evidence}`, () => {
            const f = items.findings.at(row);
            return this.send(d.deciders, {
              title: `Decision to review: ${d.title}`,
              description: `The evidence of ${f.title} (${f.consumer} → ${f.provider}, ${f.subject}) changed since it was accepted: now ${f.actual}, expected ${f.expected}. The decision no longer holds until it is decided again.`,
              link: findingLink(f),
              severity: 'high',
              topic: CONTRACTS_NOTIFICATION_TOPICS.decision,
              scope: `contracts:finding:${f.id}`,
            });
          });
        }
      };
      const rows = this.rowsToLookAt(snapshot);
      if (
        !rows &&
        snapshot.version !== undefined &&
        (await sent.looked(snapshot.computedAt))
      ) {
        // adopted, and looked at by the replica that computed it (it claimed every key, and
        // sent what it claimed): what follows is told against it
        this.lookedAt = items;
        return;
      }
      if (rows) rows.forEach(lookAt);
      else for (let row = 0; row < items.findingIds.length; row++) lookAt(row);
      if (!(await sent.has('seeded'))) {
        await sent.claim([...fresh.keys()]);
        await sent.claim(['seeded']);
        await sent.markLooked(snapshot.computedAt);
        this.lookedAt = items;
        return;
      }
      const claimed = await sent.claim([...fresh.keys()]);
      // (claimed: sent by this replica; a failed send is not claimed again by a later graph)
      await sent.markLooked(snapshot.computedAt);
      this.lookedAt = items;
      for (const key of claimed) await fresh.get(key)!();
    });
  }

  /**
   * A record made on this replica: recorded, or superseding another one. Resolves once it is
   * notified (with the other records of its finding made meanwhile).
   */
  onRecorded(d: Decision): Promise<void> {
    return new Promise(resolve => {
      const p = this.pending.get(d.findingId);
      if (!p) {
        this.pending.set(d.findingId, {
          latest: d,
          ids: [d.id],
          recorders: new Set([d.recordedBy]),
          done: [resolve],
        });
      } else {
        p.ids.push(d.id);
        p.recorders.add(d.recordedBy);
        p.done.push(resolve);
        if (d.recordedAt >= p.latest.recordedAt) p.latest = d;
      }
      this.drain();
    });
  }

  /** Notifies the pending records, a finding at a time, in the order they came. */
  private drain() {
    if (this.draining) return;
    const next = this.pending.entries().next();
    if (next.done) return;
    const [findingId, p] = next.value;
    this.pending.delete(findingId);
    this.draining = true;
    this.enqueue('decision', () => this.notifyRecorded(p)).finally(() => {
      this.draining = false;
      p.done.forEach(done => done());
      this.drain();
    });
  }

  private async notifyRecorded(p: PendingRecords): Promise<void> {
    const claimed = await this.options.sent.claim(
      p.ids.map(id => `recorded:${id}`),
    );
    if (!claimed.length) return;
    const d = p.latest;
    const n = claimed.length;
    const finding = { id: d.findingId, consumer: d.consumer };
    await this.send(
      d.deciders,
      {
        title: d.supersedes
          ? `Decision superseded: ${d.title}`
          : `Decision recorded: ${d.title}`,
        description: `${d.recordedBy} ${
          d.supersedes ? 'superseded the decision on' : 'recorded a decision on'
        } ${d.rule} between ${d.consumer} and ${d.provider} (${d.subject}): “${
          d.decision
        }”. ${
          d.awaiting.length
            ? `Awaiting the signature of ${d.awaiting.join(', ')}.`
            : `Status: ${d.status}.`
        }${
          n > 1
            ? ` The latest of ${n} records made on this finding since its last notification.`
            : ''
        }`,
        link: findingLink(finding),
        severity: 'normal',
        topic: CONTRACTS_NOTIFICATION_TOPICS.decision,
        scope: `contracts:finding:${d.findingId}`,
      },
      // the recorder is not told of what they did (when all of it is theirs)
      p.recorders.size === 1 ? d.recordedBy : undefined,
    );
  }

  /**
   * Reminds the deciders of each accepted decision whose review-by date is within
   * `reviewReminderDays` (or passed): once per decision and date, whichever replica runs it.
   */
  remindReviews(): Promise<void> {
    return this.enqueue('review reminders', async () => {
      const now = this.options.now?.() ?? Date.now();
      const horizon = now + this.options.settings.reviewReminderDays * DAY_MS;
      const due = new Map<string, Decision>();
      for (const d of this.options.decisions.all()) {
        if (d.status !== 'accepted' || !d.reviewBy) continue;
        const deadline = reviewDeadline(d.reviewBy);
        if (deadline !== undefined && deadline <= horizon) {
          due.set(`review:${d.id}:${d.reviewBy}`, d);
        }
      }
      for (const key of await this.options.sent.claim([...due.keys()])) {
        const d = due.get(key)!;
        await this.send(d.deciders, {
          title: `Review due by ${d.reviewBy}: ${d.title}`,
          description: `The accepted decision on ${d.rule} between ${d.consumer} and ${d.provider} (${d.subject}) is to be reviewed by ${d.reviewBy}; after that date the finding needs a decision again.`,
          link: findingLink({ id: d.findingId, consumer: d.consumer }),
          severity: 'normal',
          topic: CONTRACTS_NOTIFICATION_TOPICS.review,
          scope: `contracts:review:${d.id}`,
        });
      }
    });
  }
}
