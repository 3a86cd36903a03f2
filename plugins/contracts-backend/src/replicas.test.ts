/*
 * Two replicas on one PostgreSQL (issue 22): two backends, each with the contracts plugin and
 * the real catalog (with the contracts catalog module) reading a copy of the example catalog,
 * on one database. One computes (the compute lease), every replica serves the persisted snapshot
 * it computed, a contract file edited reaches both, a restarted replica serves the persisted
 * snapshot at once.
 */
import {
  type TestDatabaseId,
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createServiceFactory,
  type LoggerService,
} from '@backstage/backend-plugin-api';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { contractsPlugin } from './plugin';
import { EXAMPLES_DIR } from './__testUtils__/exampleCatalog';
import { realExampleCatalog } from './__testUtils__/realCatalog';

jest.setTimeout(300_000);

const databases = TestDatabases.create({
  ids: [
    (process.env.CONTRACTS_TEST_POSTGRES_ID ?? 'POSTGRES_15') as TestDatabaseId,
  ],
});

/** The quick check's interval (s) of both replicas; the bound on a change is this + 5 s. */
const INTERVAL_S = 0.5;
const RISK = 'component:default/risk';

/** A root logger that keeps the messages (the order of what a replica did). */
function recordingLogger(messages: string[]) {
  const logger: LoggerService = {
    info: m => void messages.push(m),
    warn: m => void messages.push(m),
    error: m => void messages.push(m),
    debug: () => {},
    child: () => logger,
  };
  return createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory: () => ({ ...logger, child: () => logger }),
  });
}

describe.each(databases.eachSupportedId())(
  'two contracts replicas on one %p',
  id => {
    /** The contracts plugin's database, and the catalog's (each plugin has its own). */
    let knex: Knex;
    let catalogKnex: Knex;
    let dir: string;
    let sla: string;
    /** Statements of the plugin's own connections (the main thread's) that wrote snapshot pieces. */
    let piecesWrittenHere = 0;

    async function startReplica() {
      const messages: string[] = [];
      const backend = await startTestBackend({
        features: [
          contractsPlugin,
          ...realExampleCatalog.features,
          createServiceFactory({
            service: coreServices.database,
            deps: { plugin: coreServices.pluginMetadata },
            factory: ({ plugin }) => {
              const client = plugin.getId() === 'catalog' ? catalogKnex : knex;
              return { getClient: async () => client };
            },
          }),
          recordingLogger(messages),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                ...realExampleCatalog.config,
                processingInterval: { seconds: 1 },
                locations: [
                  { type: 'file', target: path.join(dir, 'all.yaml') },
                ],
              },
              contracts: {
                refreshIntervalSeconds: INTERVAL_S,
                snapshots: { pollIntervalSeconds: 0.25, leaseSeconds: 3 },
              },
            },
          }),
        ],
      });
      const get = (p: string) =>
        request(backend.server)
          .get(p)
          .set('Authorization', mockCredentials.user.header());
      /** checkout's latency finding on risk, and the freshness of the answer. */
      const latency = async () => {
        const res = await get(
          '/api/contracts/findings?rule=latency-budget&limit=500',
        );
        const f = (res.body.items as Finding[] | undefined)?.find(
          i => i.provider === RISK,
        );
        return {
          actual: f?.actual,
          computedAt: res.body.computedAt as string | null,
          stale: res.body.stale as boolean,
        };
      };
      return { backend, messages, get, latency };
    }

    async function until<T>(
      what: string,
      fn: () => Promise<T>,
      ok: (t: T) => boolean,
      timeoutMs = 120_000,
    ): Promise<{ value: T; at: number }> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const value = await fn();
        if (ok(value)) return { value, at: Date.now() };
        if (Date.now() > end) {
          throw new Error(
            `timed out waiting for ${what}: ${JSON.stringify(value)}`,
          );
        }
        await new Promise(r => setTimeout(r, 100));
      }
    }

    const head = async () =>
      knex('contracts_graph_snapshot_head').where({ id: 1 }).first();
    const lease = async () =>
      knex('contracts_graph_compute_lease').where({ id: 1 }).first();

    beforeAll(async () => {
      knex = await databases.init(id);
      catalogKnex = await databases.init(id);
      knex.on('query', (q: { sql: string }) => {
        if (/insert into .contracts_graph_snapshot_pieces/i.test(q.sql)) {
          piecesWrittenHere++;
        }
      });
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'contracts-replicas-'));
      await fs.cp(EXAMPLES_DIR, dir, { recursive: true });
      sla = path.join(dir, 'risk/contracts/sla.yaml');
    });

    afterAll(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('computes on one, serves the same persisted snapshot on both, carries a change to both, and serves it at once after a restart', async () => {
      // the first replica (the database is empty): it takes the lease and computes
      const a = await startReplica();
      await until(
        'the first replica to serve the latency finding',
        a.latency,
        l => l.actual === 'p95 = 3200ms (current)' && !l.stale,
      );
      await until('a persisted snapshot', head, h => Boolean(h));
      // its bytes written by the analysis worker, with its own connection: none of the
      // statements that wrote them went through the main thread's
      const stored = await knex('contracts_graph_snapshot_pieces').count({
        n: '*',
      });
      expect(Number(stored[0].n)).toBeGreaterThan(0);
      expect(piecesWrittenHere).toBe(0);

      // the second replica, started after (the migrations of both plugins are done once)
      const b = await startReplica();
      const first = await b.latency();
      // served as soon as it started: the persisted snapshot, not one of its own
      expect(first.actual).toBe('p95 = 3200ms (current)');
      const persisted = await head();
      expect(first.computedAt).toBe(persisted.computed_at);
      expect((await a.latency()).computedAt).toBe(persisted.computed_at);
      expect(b.messages).toContain(
        'Contracts graph: serving a persisted snapshot',
      );

      // one computes: the lease's holder persisted every snapshot; the other never computed
      const holder = (await lease()).holder;
      const writers = await knex('contracts_graph_snapshots').distinct(
        'computed_by',
      );
      expect(writers).toEqual([{ computed_by: holder }]);
      expect(
        a.messages.filter(
          m => m === 'Contracts graph: this replica computes it now',
        ),
      ).toHaveLength(1);
      expect(b.messages).not.toContain(
        'Contracts graph: this replica computes it now',
      );
      expect(b.messages).not.toContain('Contracts graph refreshed');

      // a contract file edited: risk caches, p95 3200ms → 900ms
      const text = await fs.readFile(sla, 'utf8');
      await fs.writeFile(
        sla,
        text.replace(
          'current: p50=2800ms, p95=3200ms',
          'current: p50=400ms, p95=900ms',
        ),
      );
      // from when the catalog serves it...
      const served = await until(
        'the catalog to serve the edited contract',
        () => a.get('/api/catalog/entities/by-name/component/default/risk'),
        res => JSON.stringify(res.body).includes('p95=900ms'),
      );
      // ...to when both replicas do
      const changed = (l: { actual?: string }) =>
        l.actual === 'p95 = 900ms (current)';
      const [onA, onB] = await Promise.all([
        until('the change on the first replica', a.latency, changed),
        until('the change on the second replica', b.latency, changed),
      ]);
      // The follower is behind the computing replica by a persist, a poll and an adoption: 5 s
      // at most. The computing replica itself is behind the catalog by a quick-check interval
      // (issue 22: + 5 s) when the machine is quiet (3.3 s here); on a loaded one the quick
      // check's pause stretches so that it takes at most 5 % of the event loop (plugin.ts,
      // QUICK_CHECK_MAX_SHARE; at most 30 s), which this test cannot tell from a slow sync, so it
      // holds the computing replica to that bound and prints both.
      const boundMs = INTERVAL_S * 1000 + 5000;
      const leader = onA.at - served.at;
      const follower = onB.at - served.at;
      // eslint-disable-next-line no-console
      console.log(
        `a change served by the catalog reached the computing replica after ${leader} ms, the other after ${follower} ms (issue 22's bound: ${boundMs} ms)`,
      );
      expect(follower - leader).toBeLessThanOrEqual(5000);
      expect(leader).toBeLessThanOrEqual(30_000 + INTERVAL_S * 1000);
      // the same snapshot: the persisted head's
      const after = await until(
        'the head to hold the change',
        head,
        h => h.computed_at === onB.value.computedAt,
      );
      expect(onA.value.computedAt).toBe(after.value.computed_at);
      expect(after.value.version).not.toBe(persisted.version);
      expect(piecesWrittenHere).toBe(0);

      // the computing replica stops: the other takes the lease over at once, from its snapshot
      await a.backend.stop();
      await until(
        'the second replica to compute',
        async () => b.messages,
        m => m.includes('Contracts graph: this replica computes it now'),
        10_000,
      );

      // the first one restarts: it serves the persisted snapshot at once, computing nothing
      const restarted = await startReplica();
      const now = await head();
      expect(await restarted.latency()).toEqual({
        actual: 'p95 = 900ms (current)',
        computedAt: now.computed_at,
        stale: false,
      });
      expect(restarted.messages).toContain(
        'Contracts graph: serving a persisted snapshot',
      );
      expect(restarted.messages).not.toContain(
        'Contracts graph: this replica computes it now',
      );

      // every replica stops; one starts again: it serves the persisted snapshot first, then
      // takes the free lease and computes
      await b.backend.stop();
      await restarted.backend.stop();
      const alone = await startReplica();
      expect(await alone.latency()).toMatchObject({
        actual: 'p95 = 900ms (current)',
        computedAt: now.computed_at,
      });
      const { value: log } = await until(
        'the lone replica to compute',
        async () => alone.messages,
        m => m.includes('Contracts graph: this replica computes it now'),
        10_000,
      );
      expect(
        log.indexOf('Contracts graph: serving a persisted snapshot'),
      ).toBeLessThan(
        log.indexOf('Contracts graph: this replica computes it now'),
      );
      await alone.backend.stop();
    });
  },
);
