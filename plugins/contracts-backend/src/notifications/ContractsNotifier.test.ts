import { mockServices } from '@backstage/backend-test-utils';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { Decision } from '../database/DecisionsStore';
import type { DecisionsService } from '../services/DecisionsService';
import {
  ContractsNotifier,
  DEFAULT_SEND_INTERVAL_MS,
} from './ContractsNotifier';
import type { NotificationsSentStore } from './NotificationsSentStore';

const record = (
  id: string,
  findingId: string,
  recordedAt: string,
  recordedBy = 'user:default/guest',
): Decision =>
  ({
    id,
    findingId,
    recordedAt,
    recordedBy,
    title: `Title ${id}`,
    decision: `Decision ${id}`,
    rule: 'latency-budget',
    consumer: 'component:default/a',
    provider: 'component:default/b',
    subject: 'GET /x',
    deciders: ['group:default/support-team'],
    awaiting: ['group:default/support-team'],
    status: 'proposed',
    signatures: [],
  } as unknown as Decision);

function notifierWith(sendIntervalMs?: number) {
  const sends: Array<Parameters<NotificationService['send']>[0]> = [];
  const claimed = new Set<string>();
  const claims: string[][] = [];
  const notifier = new ContractsNotifier({
    notifications: {
      send: async options => {
        sends.push(options);
      },
    },
    decisions: {} as DecisionsService,
    sent: {
      claim: async (keys: readonly string[]) => {
        claims.push([...keys]);
        const fresh = keys.filter(k => !claimed.has(k));
        fresh.forEach(k => claimed.add(k));
        return fresh;
      },
      has: async (key: string) => claimed.has(key),
    } as unknown as NotificationsSentStore,
    logger: mockServices.logger.mock(),
    settings: { reviewReminderDays: 14, sendIntervalMs },
  });
  return { notifier, sends, claims };
}

describe('ContractsNotifier', () => {
  it('tells the records made on a finding while its notification waits in one notification (the newest, and how many)', async () => {
    const { notifier, sends, claims } = notifierWith(0);
    await Promise.all([
      // the first is sent at once; the next two wait for it, and go as one
      notifier.onRecorded(record('d1', 'F', '2026-01-01T00:00:01Z')),
      notifier.onRecorded(record('d2', 'F', '2026-01-01T00:00:02Z')),
      notifier.onRecorded(record('d3', 'F', '2026-01-01T00:00:03Z')),
      notifier.onRecorded(record('e1', 'G', '2026-01-01T00:00:04Z')),
    ]);
    expect(sends.map(s => s.payload.title)).toEqual([
      'Decision recorded: Title d1',
      'Decision recorded: Title d3',
      'Decision recorded: Title e1',
    ]);
    expect(sends[0].payload.description).not.toMatch(/records made/);
    expect(sends[1].payload.description).toMatch(
      /The latest of 2 records made on this finding since its last notification/,
    );
    expect(sends[1].payload.scope).toBe('contracts:finding:F');
    // every record's key is claimed: none is notified again by another replica or later
    expect(claims).toEqual([
      ['recorded:d1'],
      ['recorded:d2', 'recorded:d3'],
      ['recorded:e1'],
    ]);
    // the recorder is left out of what they did
    expect(sends[1].recipients).toMatchObject({
      excludeEntityRef: 'user:default/guest',
    });
  });

  it('does not leave out a recorder when the notification tells of records of others too', async () => {
    const { notifier, sends } = notifierWith(0);
    await Promise.all([
      notifier.onRecorded(record('d1', 'F', '2026-01-01T00:00:01Z')),
      notifier.onRecorded(
        record('d2', 'F', '2026-01-01T00:00:02Z', 'user:default/bob'),
      ),
      notifier.onRecorded(record('d3', 'F', '2026-01-01T00:00:03Z')),
    ]);
    expect(sends).toHaveLength(2);
    expect(sends[1].recipients).not.toHaveProperty('excludeEntityRef');
  });

  it('sends nothing for records already notified', async () => {
    const { notifier, sends } = notifierWith(0);
    const d = record('d1', 'F', '2026-01-01T00:00:01Z');
    await notifier.onRecorded(d);
    await notifier.onRecorded(d);
    expect(sends).toHaveLength(1);
  });

  it('paces its sends: one at most every sendIntervalMs', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const { notifier, sends } = notifierWith();
      const done = Promise.all(
        ['F', 'G', 'H'].map((f, i) =>
          notifier.onRecorded(record(`d${i}`, f, '2026-01-01T00:00:01Z')),
        ),
      );
      await jest.advanceTimersByTimeAsync(0);
      expect(sends).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(DEFAULT_SEND_INTERVAL_MS - 1);
      expect(sends).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(sends).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(DEFAULT_SEND_INTERVAL_MS);
      expect(sends).toHaveLength(3);
      await done;
    } finally {
      jest.useRealTimers();
    }
  });
});
