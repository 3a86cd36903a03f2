import { mockServices } from '@backstage/backend-test-utils';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { Decision } from '../database/DecisionsStore';
import type { DecisionsService } from '../services/DecisionsService';
import {
  ContractsNotifier,
  DEFAULT_SEND_INTERVAL_MS,
} from './ContractsNotifier';
import type { NotificationsSentStore } from './NotificationsSentStore';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import type { GraphSnapshot } from '../services/ContractsGraphService';
import { itemsOf } from '../services/analysis/receive';

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

function notifierWith(sendIntervalMs?: number, decisions: Decision[] = []) {
  const sends: Array<Parameters<NotificationService['send']>[0]> = [];
  const claimed = new Set<string>();
  const claims: string[][] = [];
  const notifier = new ContractsNotifier({
    notifications: {
      send: async options => {
        sends.push(options);
      },
    },
    decisions: {
      all: () => decisions,
      forFinding: (id: string) => decisions.filter(d => d.findingId === id),
    } as unknown as DecisionsService,
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

  it("looks at a delta's changed findings and those with accepted decisions only; at every finding of a graph that is no delta of the last", async () => {
    const finding = (id: string, evidence = `e-${id}`) =>
      ({
        id,
        rule: 'latency-budget',
        severity: 'error',
        consumer: 'component:default/a',
        provider: 'component:default/b',
        evidence,
        status: 'open',
        deciders: ['group:default/g'],
      } as unknown as Finding);
    const snapshotOf = (
      findings: Finding[],
      since?: GraphSnapshot,
      changed: string[] = [],
    ): GraphSnapshot => ({
      items: itemsOf({ findings, graph: { nodes: [], edges: [] } }),
      entities: new Map(),
      problems: [],
      stale: false,
      computedAt: '2026-12-07T10:00:00.000Z',
      changes: since && {
        since: { items: since.items, entities: since.entities },
        entities: [],
        findings: changed,
      },
    });
    const accepted = {
      ...record('d1', 'F2', '2026-01-01T00:00:01Z'),
      status: 'accepted',
      evidenceHash: 'e-F2',
    } as Decision;
    const { notifier, sends, claims } = notifierWith(0, [accepted]);
    const first = snapshotOf([finding('F1'), finding('F2')]);
    await notifier.onSnapshot(first);
    // the first graph is seeded: its keys claimed, nothing sent
    expect(claims[0]).toEqual(['finding:F1', 'finding:F2']);
    expect(sends).toEqual([]);
    claims.length = 0;

    // a delta with a new finding F3, and F2's evidence moved: F2 (accepted decision) and F3 only
    const second = snapshotOf(
      [finding('F1'), finding('F2', 'e-F2-now'), finding('F3')],
      first,
      ['F3', 'F2'],
    );
    await notifier.onSnapshot(second);
    expect(claims).toEqual([
      ['finding:F2', 'reopened:d1:e-F2-now', 'finding:F3'],
    ]);
    expect(sends.map(x => x.payload.title).sort()).toEqual([
      'Contract conflict: a → b',
      'Decision to review: Title d1',
    ]);
    claims.length = 0;

    // the same graph published again (as when only its staleness changes): nothing new to claim
    // but the accepted decisions' findings
    await notifier.onSnapshot(second);
    expect(claims).toEqual([['finding:F2', 'reopened:d1:e-F2-now']]);
    claims.length = 0;

    // a graph that is no delta of the last one looked at: every finding is looked at again
    const other = snapshotOf([finding('F1'), finding('F4')], first, ['F4']);
    await notifier.onSnapshot(other);
    expect(claims).toEqual([['finding:F1', 'finding:F4']]);
    expect(sends).toHaveLength(3);
  });
});
