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

/** What a replica's notifier and store see; shared by replicas on one database. */
function sentRows() {
  return { claimed: new Set<string>(), looked: new Set<string>() };
}

function notifierWith(
  sendIntervalMs?: number,
  decisions: Decision[] = [],
  { claimed, looked } = sentRows(),
) {
  const sends: Array<Parameters<NotificationService['send']>[0]> = [];
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
      markLooked: async (computedAt: string) => void looked.add(computedAt),
      looked: async (computedAt: string) => looked.has(computedAt),
    } as unknown as NotificationsSentStore,
    logger: mockServices.logger.mock(),
    settings: { reviewReminderDays: 14, sendIntervalMs },
  });
  return { notifier, sends, claims };
}

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
  meta: Pick<GraphSnapshot, 'computedAt' | 'version'> = {
    computedAt: '2026-12-07T10:00:00.000Z',
  },
): GraphSnapshot => ({
  items: itemsOf({ findings, graph: { nodes: [], edges: [] } }),
  entities: new Map(),
  problems: [],
  stale: false,
  ...meta,
  changes: since && {
    since: { items: since.items, entities: since.entities },
    entities: [],
    findings: changed,
  },
});

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

  it('takes an adopted snapshot its computing replica looked at as looked at: no claim, nothing sent again; the next delta is told against it', async () => {
    const db = sentRows();
    const computing = notifierWith(0, [], db);
    const at = (minute: number) => `2026-12-07T10:0${minute}:00.000Z`;
    const first = snapshotOf([finding('F1')], undefined, [], {
      computedAt: at(0),
    });
    await computing.notifier.onSnapshot(first);
    const second = snapshotOf([finding('F1'), finding('F2')], first, ['F2'], {
      computedAt: at(1),
    });
    await computing.notifier.onSnapshot(second);
    expect(computing.sends).toHaveLength(1);

    // a replica (re)starting adopts the persisted second snapshot: no claim at all
    const restarted = notifierWith(0, [], db);
    const adopted = snapshotOf([finding('F1'), finding('F2')], undefined, [], {
      computedAt: at(1),
      version: 2,
    });
    await restarted.notifier.onSnapshot(adopted);
    expect(restarted.claims).toEqual([]);
    expect(restarted.sends).toEqual([]);

    // it computes now: its delta's new finding is claimed, and sent, once
    const third = snapshotOf(
      [finding('F1'), finding('F2'), finding('F3')],
      adopted,
      ['F3'],
      { computedAt: at(2) },
    );
    await restarted.notifier.onSnapshot(third);
    expect(restarted.claims).toEqual([['finding:F3']]);
    expect(restarted.sends).toHaveLength(1);
    expect(db.looked).toEqual(new Set([at(0), at(1), at(2)]));

    // a snapshot persisted by a replica that died before it claimed its keys (not looked at):
    // looked at whole, its new finding sent once
    const unmarked = snapshotOf(
      [finding('F1'), finding('F2'), finding('F3'), finding('F4')],
      undefined,
      [],
      { computedAt: at(3), version: 4 },
    );
    const follower = notifierWith(0, [], db);
    await follower.notifier.onSnapshot(unmarked);
    expect(follower.claims).toEqual([
      ['finding:F1', 'finding:F2', 'finding:F3', 'finding:F4'],
    ]);
    expect(follower.sends.map(x => x.payload.scope)).toEqual([
      'contracts:finding:F4',
    ]);
    expect(db.looked.has(at(3))).toBe(true);
  });
});
