import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  type BackendFeature,
  type SchedulerService,
  type ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import type { Server } from 'node:http';
import request from 'supertest';
import permissionPlugin from '@backstage/plugin-permission-backend';
// The portal's own permission policy, as packages/backend installs it (test-only import).
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import policyModule from '../../../../packages/backend/src/modules/permissionPolicy';
import { contractsPlugin } from '../plugin';
import {
  as,
  ownershipUserInfo,
  USERS,
} from '../__testUtils__/contractsBackend';
import {
  loadExampleEntities,
  mutableCatalog,
  withEtag,
} from '../__testUtils__/exampleCatalog';
import { giveMockUsersAnActor } from '../__testUtils__/mockUserActor';
import { sqliteAndPostgres } from '../__testUtils__/testDatabases';
import {
  CONTRACTS_NOTIFICATION_TOPICS,
  ContractsNotifier,
} from './ContractsNotifier';
import { NotificationsSentStore } from './NotificationsSentStore';
import { CONTRACTS_SIGNAL_CHANNEL } from './ContractsSignals';
import { REVIEW_REMINDERS_TASK_ID } from './setup';

jest.setTimeout(180_000);
giveMockUsersAnActor();

const databases = sqliteAndPostgres();
const { GUEST, BOB, SAM, CAROL } = USERS;
const OWNERSHIP: Record<string, string[]> = {
  [GUEST]: [GUEST, 'group:default/support-team'],
  [BOB]: [BOB, 'group:default/risk-team'],
  [SAM]: [SAM, 'group:default/security-team'],
  [CAROL]: [CAROL, 'group:default/checkout-team'],
};

/**
 * The example catalog with the relations the catalog would add: a group `hasMember` each user
 * whose `memberOf` names it (the notifications backend resolves a group to its members so).
 */
function withMembers(entities: Entity[]): Entity[] {
  const members = new Map<string, string[]>();
  for (const e of entities) {
    if (e.kind !== 'User') continue;
    for (const g of (e.spec?.memberOf as string[]) ?? []) {
      const ref = `group:default/${g}`;
      members.set(ref, [
        ...(members.get(ref) ?? []),
        `user:default/${e.metadata.name}`,
      ]);
    }
  }
  return entities.map(e =>
    e.kind === 'Group'
      ? {
          ...e,
          relations: (
            members.get(`group:default/${e.metadata.name}`) ?? []
          ).map(targetRef => ({ type: 'hasMember', targetRef })),
        }
      : e,
  );
}

/** Every signal published on the events bus the signals backend reads. */
function signalRecorder() {
  const seen: Array<{ channel: string; message: any }> = [];
  const module = createBackendModule({
    pluginId: 'signals',
    moduleId: 'contracts-test-recorder',
    register(env) {
      env.registerInit({
        deps: { events: eventsServiceRef },
        async init({ events }) {
          await events.subscribe({
            id: 'contracts-test-recorder',
            topics: ['signals'],
            async onEvent(e) {
              seen.push(e.eventPayload as any);
            },
          });
        },
      });
    },
  });
  return { seen, module };
}

async function until<T>(
  fn: () => Promise<T | undefined | false>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

type Note = {
  id: string;
  read?: string | null;
  origin: string;
  payload: {
    title: string;
    link?: string;
    topic?: string;
    scope?: string;
    severity?: string;
  };
};

async function notificationsOf(server: Server, user: string): Promise<Note[]> {
  const res = await request(server)
    .get('/api/notifications/notifications')
    .set(as(user));
  expect(res.status).toBe(200);
  return (res.body.notifications as Note[]).filter(
    n => n.origin === 'plugin:contracts',
  );
}

/** The two other decider groups of the access trade-off (risk, security) sign an acceptance. */
async function acceptAsOthers(server: Server, id: string) {
  for (const user of [BOB, SAM]) {
    await request(server)
      .post(`/api/contracts/decisions/${id}/signatures`)
      .set(as(user))
      .send({ verdict: 'accept' })
      .expect(200);
  }
}

async function markRead(server: Server, user: string, id: string) {
  await request(server)
    .post('/api/notifications/notifications/update')
    .set(as(user))
    .send({ ids: [id], read: true })
    .expect(200);
}

describe.each(databases.eachSupportedId())(
  'notifications and signals on %p',
  id => {
    let examples: Entity[];
    beforeAll(async () => {
      examples = withMembers(await loadExampleEntities());
    });

    /** The database of each other plugin (notifications), shared by the replicas of a test. */
    let others: Map<string, Promise<Knex>>;
    beforeEach(() => {
      others = new Map();
    });

    /** The contracts plugin on `knex`, every other plugin on its own database of the same kind. */
    function pluginDatabases(knex: Knex, shared: Map<string, Promise<Knex>>) {
      return createServiceFactory({
        service: coreServices.database,
        deps: { plugin: coreServices.pluginMetadata },
        async factory({ plugin }) {
          const pluginId = plugin.getId();
          if (pluginId !== 'contracts' && !shared.has(pluginId)) {
            shared.set(pluginId, databases.init(id));
          }
          const client =
            pluginId === 'contracts' ? knex : await shared.get(pluginId)!;
          return { getClient: async () => client };
        },
      });
    }

    async function start(
      entities: Entity[],
      knex: Knex,
      more: BackendFeature[] = [],
    ) {
      // a scheduler whose tasks the test triggers (the mock's instance is also its factory)
      const scheduler = mockServices.scheduler() as SchedulerService & {
        factory(options: {
          skipTaskRunOnStartup?: boolean;
        }): ServiceFactory<SchedulerService>;
      };
      const catalog = mutableCatalog(entities);
      const backend = await startTestBackend({
        features: [
          contractsPlugin,
          permissionPlugin,
          policyModule,
          notificationsPlugin,
          catalog.factory,
          // the real events service: one bus for every plugin (the mock has one per plugin)
          eventsServiceFactory,
          scheduler.factory({ skipTaskRunOnStartup: true }),
          pluginDatabases(knex, others),
          mockServices.rootConfig.factory({
            data: {
              app: { baseUrl: 'http://localhost:3000' },
              permission: { enabled: true },
              contracts: {
                refreshIntervalSeconds: 0.2,
                deciders: { 'access-policy': ['group:default/security-team'] },
              },
            },
          }),
          ownershipUserInfo(OWNERSHIP),
          ...more,
        ],
      });
      const started = { server: backend.server, catalog, backend };
      const findings = async () =>
        (
          await request(started.server)
            .get('/api/contracts/findings')
            .set(as(GUEST))
        ).body.items as Finding[];
      await until(async () => (await findings())?.length > 0, 'the graph');
      return { ...started, scheduler, findings };
    }

    it('notifies the deciders of a new trade-off once, however many recomputes follow', async () => {
      const knex = await databases.init(id);
      const withoutSupport = examples.filter(
        e => e.metadata.name !== 'support',
      );
      const signals = signalRecorder();
      const { server, catalog, scheduler, findings } = await start(
        withoutSupport,
        knex,
        [signals.module],
      );
      // what was there at the first graph notifies nobody (installing the plugin is no news)
      expect(await notificationsOf(server, BOB)).toEqual([]);

      catalog.set(examples);
      const access = await until(
        async () => (await findings()).find(f => f.rule === 'access-policy'),
        'the trade-off',
      );
      const [note] = await until(async () => {
        const n = await notificationsOf(server, BOB);
        return n.length ? n : undefined;
      }, "bob's notification");
      expect(note.payload).toMatchObject({
        title: 'Trade-off to decide: support → risk',
        topic: CONTRACTS_NOTIFICATION_TOPICS.finding,
        scope: `contracts:finding:${access.id}`,
        severity: 'normal',
        link: `/catalog/default/component/support/contracts?finding=${encodeURIComponent(
          access.id,
        )}`,
      });
      // every decider group's members; nobody else
      expect(await notificationsOf(server, GUEST)).toHaveLength(1);
      expect(await notificationsOf(server, SAM)).toHaveLength(1);
      expect(await notificationsOf(server, CAROL)).toEqual([]);
      // and the open pages heard of the new graph
      await until(
        async () =>
          signals.seen.some(
            s =>
              s.channel === CONTRACTS_SIGNAL_CHANNEL &&
              s.message.kind === 'graph',
          ),
        'a graph signal',
      );

      // bob reads it; a second recompute, and a third after an unrelated change, send nothing
      // (a notification sent again under its scope would be marked unread)
      await markRead(server, BOB, note.id);
      await scheduler.triggerTask('contracts-graph-full-recompute');
      catalog.set(
        examples.map(e =>
          e.metadata.name === 'orders'
            ? withEtag({
                ...e,
                metadata: { ...e.metadata, description: 'changed' },
              })
            : e,
        ),
      );
      await scheduler.triggerTask('contracts-graph-full-recompute');
      await new Promise(r => setTimeout(r, 1500));
      const after = await notificationsOf(server, BOB);
      expect(after).toHaveLength(1);
      expect(after[0].read).toBeTruthy();
      expect(await notificationsOf(server, SAM)).toHaveLength(1);
    });

    it('a replica adopting the persisted snapshot claims none of it and sends nothing again; a change after it notifies once across two replicas', async () => {
      const knex = await databases.init(id);
      const withoutSupport = examples.filter(
        e => e.metadata.name !== 'support',
      );
      const a = await start(withoutSupport, knex);
      a.catalog.set(examples);
      const access = await until(
        async () => (await a.findings()).find(f => f.rule === 'access-policy'),
        'the trade-off',
      );
      const [note] = await until(async () => {
        const n = await notificationsOf(a.server, BOB);
        return n.length ? n : undefined;
      }, "bob's notification");
      await markRead(a.server, BOB, note.id);
      // the snapshot with it persisted, and marked looked at by the replica that computed it
      await until(async () => {
        const head = await knex('contracts_graph_snapshot_head').first();
        return (
          head &&
          (await knex('contracts_notifications_sent')
            .where({ key: `looked:${head.computed_at}` })
            .first()) &&
          (
            await request(a.server)
              .get('/api/contracts/findings')
              .set(as(GUEST))
          ).body.computedAt === head.computed_at
        );
      }, 'the snapshot persisted and looked at');

      // a second replica starts: it adopts the persisted snapshot, and claims none of its keys
      const claim = jest.spyOn(NotificationsSentStore.prototype, 'claim');
      const looks = jest.spyOn(ContractsNotifier.prototype, 'onSnapshot');
      // (its catalog, read once it computes: one more consumer of the trade-off's endpoint)
      const support = examples.find(e => e.metadata.name === 'support')!;
      const more = [
        ...examples,
        withEtag({
          ...support,
          metadata: { ...support.metadata, name: 'support-eu', etag: '' },
        }),
      ];
      try {
        const b = await start(more, knex);
        await until(async () => looks.mock.calls.length > 0, "b's look");
        await Promise.all(looks.mock.results.map(r => r.value));
        expect(claim).not.toHaveBeenCalled();
        expect((await b.findings()).map(f => f.id)).toContain(access.id);

        // the first stops; the second computes from the snapshot it adopted: the new consumer's
        // trade-off is notified, once
        await a.backend.stop();
        const fresh = await until(async () => {
          const n = (await notificationsOf(b.server, BOB)).filter(
            x => x.payload.scope !== `contracts:finding:${access.id}`,
          );
          return n.length ? n : undefined;
        }, "bob's second notification");
        expect(fresh).toHaveLength(1);
        expect(fresh[0].payload.link).toContain('/support-eu/');
        await markRead(b.server, BOB, fresh[0].id);
        // (the second's graph is a delta of the one it adopted: told against it, its keys of
        // what the delta changed only: ContractsNotifier.test)
        expect(looks.mock.calls.at(-1)![0].changes?.since.items).toBe(
          looks.mock.calls[0][0].items,
        );

        // the first comes back, adopting the second's snapshot: nothing sent again
        claim.mockClear();
        looks.mockClear();
        const again = await start(more, knex);
        await until(async () => looks.mock.calls.length > 0, "a's look");
        await Promise.all(looks.mock.results.map(r => r.value));
        expect(claim).not.toHaveBeenCalled();
        await new Promise(r => setTimeout(r, 1000));
        const all = await notificationsOf(again.server, BOB);
        expect(all).toHaveLength(2);
        expect(all.every(n => n.read)).toBe(true);
      } finally {
        claim.mockRestore();
        looks.mockRestore();
      }
    });

    it('keeps the marks of the graphs looked at for an hour', async () => {
      const knex = await databases.init(id);
      const store = await NotificationsSentStore.create({
        database: { getClient: async () => knex },
      });
      const hour = 3_600_000;
      await store.markLooked('2026-12-07T10:00:00.000Z', 0);
      await store.markLooked('2026-12-07T10:30:00.000Z', hour / 2);
      expect(await store.looked('2026-12-07T10:00:00.000Z')).toBe(true);
      await store.markLooked('2026-12-07T11:01:00.000Z', hour + 60_000);
      expect(await store.looked('2026-12-07T10:00:00.000Z')).toBe(false);
      expect(await store.looked('2026-12-07T10:30:00.000Z')).toBe(true);
      expect(await store.looked('2026-12-07T11:01:00.000Z')).toBe(true);
      expect(await store.looked('2026-12-07T09:00:00.000Z')).toBe(false);
    });

    it('notifies a recorded decision and its supersession in one notification per finding; reopens when the evidence changes', async () => {
      const knex = await databases.init(id);
      const signals = signalRecorder();
      const { server, catalog, findings } = await start(examples, knex, [
        signals.module,
      ]);
      const access = (await findings()).find(f => f.rule === 'access-policy')!;
      const recorded = await request(server)
        .post('/api/contracts/decisions')
        .set(as(GUEST))
        .send({
          findingId: access.id,
          title: 'Support reads a summary through risk',
          decision: 'summary endpoint',
          rationale: 'keeps PII with the risk team',
          status: 'accepted',
        });
      expect(recorded.status).toBe(201);
      const [note] = await until(async () => {
        const n = await notificationsOf(server, BOB);
        return n.length ? n : undefined;
      }, "bob's notification");
      expect(note.payload).toMatchObject({
        title: 'Decision recorded: Support reads a summary through risk',
        topic: CONTRACTS_NOTIFICATION_TOPICS.decision,
        scope: `contracts:finding:${access.id}`,
      });
      expect(await notificationsOf(server, SAM)).toHaveLength(1);
      // the recorder is not told of what they did
      expect(await notificationsOf(server, GUEST)).toEqual([]);
      await until(
        async () =>
          signals.seen.some(
            s =>
              s.channel === CONTRACTS_SIGNAL_CHANNEL &&
              s.message.kind === 'decisions',
          ),
        'a decisions signal',
      );

      // everyone accepts; then the finding's evidence changes: the decision no longer holds
      await acceptAsOthers(server, recorded.body.id);
      const superseding = await request(server)
        .post(`/api/contracts/decisions/${recorded.body.id}/supersede`)
        .set(as(GUEST))
        .send({
          title: 'Support reads the breakdown, masked',
          decision: 'masked breakdown',
          rationale: 'disputes need it',
          status: 'accepted',
        });
      expect(superseding.status).toBe(201);
      await until(
        async () =>
          (await notificationsOf(server, BOB))[0]?.payload.title ===
          'Decision superseded: Support reads the breakdown, masked',
        'the superseded notification',
      );
      // the same notification, updated
      expect(await notificationsOf(server, BOB)).toHaveLength(1);
      await acceptAsOthers(server, superseding.body.id);
      catalog.set(
        examples.map(e =>
          e.metadata.name === 'support'
            ? withEtag(
                JSON.parse(
                  JSON.stringify(e).replace(
                    /support_tier_2/g,
                    'support_tier_1',
                  ),
                ),
              )
            : e,
        ),
      );
      const changed = await until(
        async () =>
          (
            await findings()
          ).find(f => f.id === access.id && f.evidence !== access.evidence),
        'the changed evidence',
      );
      expect(changed.status).toBe('needs-review');
      await until(
        async () =>
          (await notificationsOf(server, BOB))[0]?.payload.title ===
          'Decision to review: Support reads the breakdown, masked',
        'the reopened notification',
      );
      const reopened = await notificationsOf(server, GUEST);
      expect(reopened).toHaveLength(1);
      expect(reopened[0].payload).toMatchObject({
        severity: 'high',
        scope: `contracts:finding:${access.id}`,
      });
    });

    it('reminds the deciders once before the review-by date, with two replicas running the task', async () => {
      const knex = await databases.init(id);
      const a = await start(examples, knex);
      const b = await start(examples, knex);
      const access = (await a.findings()).find(
        f => f.rule === 'access-policy',
      )!;
      const soon = new Date(Date.now() + 5 * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const far = new Date(Date.now() + 60 * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const record = async (reviewBy: string, title: string) => {
        const r = await request(a.server)
          .post('/api/contracts/decisions')
          .set(as(GUEST))
          .send({
            findingId: access.id,
            title,
            decision: 'summary endpoint',
            rationale: 'keeps PII with the risk team',
            status: 'accepted',
            reviewBy,
          });
        expect(r.status).toBe(201);
        await acceptAsOthers(b.server, r.body.id);
        return r.body.id as string;
      };
      const due = await record(soon, 'Due soon');
      // both replicas run the reminders at once, twice
      for (let i = 0; i < 2; i++) {
        await Promise.all([
          a.scheduler.triggerTask(REVIEW_REMINDERS_TASK_ID),
          b.scheduler.triggerTask(REVIEW_REMINDERS_TASK_ID),
        ]);
      }
      const reminders = async (user: string) =>
        (await notificationsOf(a.server, user)).filter(
          n => n.payload.topic === CONTRACTS_NOTIFICATION_TOPICS.review,
        );
      for (const user of [GUEST, BOB, SAM]) {
        const got = await until(async () => {
          const r = await reminders(user);
          return r.length ? r : undefined;
        }, `${user}'s reminder`);
        expect(got).toHaveLength(1);
        expect(got[0].payload).toMatchObject({
          title: `Review due by ${soon}: Due soon`,
          scope: `contracts:review:${due}`,
        });
      }
      expect(await reminders(CAROL)).toEqual([]);
      // read, and the task runs again on both: not sent again
      await markRead(a.server, BOB, (await reminders(BOB))[0].id);
      await Promise.all([
        a.scheduler.triggerTask(REVIEW_REMINDERS_TASK_ID),
        b.scheduler.triggerTask(REVIEW_REMINDERS_TASK_ID),
      ]);
      expect((await reminders(BOB))[0].read).toBeTruthy();

      // a decision whose review is two months away is not due yet
      const superseding = await request(a.server)
        .post(`/api/contracts/decisions/${due}/supersede`)
        .set(as(GUEST))
        .send({
          title: 'Reviewed later',
          decision: 'summary endpoint',
          rationale: 'still fine',
          status: 'accepted',
          reviewBy: far,
        });
      expect(superseding.status).toBe(201);
      await acceptAsOthers(a.server, superseding.body.id);
      await Promise.all([
        a.scheduler.triggerTask(REVIEW_REMINDERS_TASK_ID),
        b.scheduler.triggerTask(REVIEW_REMINDERS_TASK_ID),
      ]);
      expect(await reminders(BOB)).toHaveLength(1);
    });
  },
);
