/*
 * The entity endpoint beside the framework's no-op route and the catalog's by-name route (issue
 * 22), without the rest of bench:scale's phases: one backend with the plugin on a seeded catalog
 * of N generated components, then the three HTTP runs.
 *
 *   yarn bench:http [--entities 10000] [--duration 10] [--connections 32] [--rounds 3]
 *                   [--http-entities 5000] [--runs contracts,noop,catalog] [--profile FILE]
 *                   [--fact-retriever]
 *
 * - The portal's backend (packages/backend, unmodified; scripts/benchBackend.ts) on fresh
 *   PostgreSQL databases (prefix `contracts_http_<pid>_`, dropped at the end), with
 *   scripts/bench-scale-hook.cjs preloaded (GET /api/benchnoop/noop: the same root middleware,
 *   plugin router and user-token authentication as ours, answering {}). A first start without
 *   the plugin only creates the catalog's tables; the N entities of
 *   src/__testUtils__/generatedCatalog.ts are then written into them
 *   (scripts/benchSeedCatalog.ts), and the backend is started again with the plugin, until its
 *   first findings.
 * - The tech-insights fact retriever of the contracts facts runs once a day instead of every
 *   minute (app-config.yaml), unless `--fact-retriever`: each of its runs reads GET /graph, the
 *   findings and every entity's history from the same process and writes N facts (seconds to tens
 *   of seconds of another plugin's work at 10k), which lands on whichever route's run is under
 *   way and decides the comparison of tails.
 * - Before the runs, the backend is left to finish what follows a first load (persisting the
 *   snapshot, the contract history, other plugins' start-up tasks) until its process uses under 5%
 *   of a core for 3 s in a row (at most 3 minutes), and again before each run (at most 20 s).
 * - Each route, svc-K round robin over the first `--http-entities`: one request per entity to warm
 *   up (not counted), then `--duration` s of autocannon (scripts/benchHttp.ts, `--connections`,
 *   the guest's user token, a browser's headers); the routes in turn, `--rounds` times (the
 *   machine's load drifts: the ratios of each round are printed, and their medians). Printed per
 *   run: latency p50/p95/p99, req/s, and the backend process's CPU per request (/proc, the
 *   figure least moved by the machine's load), with the load average. Targets: our req/s >= 4x
 *   the catalog's; our p95 <= 1.3x the no-op route's.
 * - `--profile FILE`: CPU profiles of the backend during each route's first run, FILE.<route>
 *   (scripts/bench-profile-hook.cjs; summarise one with `yarn bench:summary FILE.contracts`).
 * The machine is shared: compare the ratios of one run, not figures of different runs.
 */
import {
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import {
  argOf,
  type Backend,
  cpuSeconds,
  dropDatabases,
  freePort,
  HEADERS,
  PG,
  positiveArg,
  sleep,
  startBackend,
} from './benchBackend';
import { median, type RunResult, runLoad } from './benchHttp';
import { analyzeDatabase, seedCatalog } from './benchSeedCatalog';

const num = (name: string, def: number) =>
  positiveArg(name, def, { whole: true });
const N = num('entities', 10_000);
const DURATION = num('duration', 10);
const CONNECTIONS = num('connections', 32);
const HTTP_ENTITIES = Math.min(N, num('http-entities', 5000));
const ROUNDS = num('rounds', 3);
const PROFILE = argOf('profile');
const RUNS = (argOf('runs') ?? 'contracts,noop,catalog').split(',');
const FACT_RETRIEVER = process.argv.includes('--fact-retriever');
const KIND = 'contracts_http';
const HOOK = join(__dirname, 'bench-scale-hook.cjs');
const TARGET = { rpsRatio: 4, p95Ratio: 1.3 };

const URLS: Record<string, (base: string) => string> = {
  contracts: b => `${b}/api/contracts/entities/component/default/svc-N`,
  noop: b => `${b}/api/benchnoop/noop`,
  catalog: b => `${b}/api/catalog/entities/by-name/component/default/svc-N`,
};
for (const r of RUNS)
  if (!URLS[r]) throw new Error(`--runs: some of ${Object.keys(URLS)}`);

const load = () =>
  loadavg()
    .map(l => l.toFixed(2))
    .join(' ');

async function firstFindings(backend: Backend, token: string) {
  const started = Date.now();
  for (;;) {
    if (backend.exited)
      throw new Error(`the backend exited; see ${backend.logFile}`);
    const res = await fetch(`${backend.base}/api/contracts/findings?limit=1`, {
      headers: { ...HEADERS, authorization: `Bearer ${token}` },
    }).catch(() => undefined);
    const body: any = res?.ok ? await res.json() : {};
    if (body.summary?.entities >= N) return;
    if (Date.now() - started > 30 * 60_000)
      throw new Error('no findings within 30 minutes');
    await sleep(1000);
  }
}

/** Waits until the backend process uses under 5% of a core for 3 s in a row (at most `maxS`). */
async function settle(backend: Backend, maxS: number) {
  const started = Date.now();
  let quiet = 0;
  let last = cpuSeconds(backend.child.pid) ?? 0;
  while (quiet < 3 && Date.now() - started < maxS * 1000) {
    await sleep(1000);
    const now = cpuSeconds(backend.child.pid) ?? 0;
    quiet = now - last < 0.05 ? quiet + 1 : 0;
    last = now;
  }
  return (Date.now() - started) / 1000;
}

async function main() {
  await dropDatabases(KIND, 'stale');
  if (PROFILE) rmSync(PROFILE, { force: true });
  const dir = mkdtempSync(join(tmpdir(), 'contracts-bench-http-'));
  const prefix = `${KIND}_${process.pid}_`;
  const catalogFile = join(dir, 'catalog.yaml');
  writeFileSync(catalogFile, '');
  const config = {
    backend: { database: { client: 'pg', connection: PG, prefix } },
    catalog: { orphanStrategy: 'keep' },
    contracts: {
      catalogReadTimeout: 120,
      schedule: {
        frequency: { hours: 24 },
        timeout: { minutes: 30 },
        initialDelay: { hours: 24 },
      },
    },
    ...(FACT_RETRIEVER
      ? {}
      : {
          techInsights: {
            factRetrievers: {
              contractsFactRetriever: {
                cadence: '0 3 * * *',
                initialDelay: { hours: 24 },
              },
            },
          },
        }),
  };
  const start = async (name: string, withPlugin: boolean) => {
    const backend = startBackend({
      dir,
      port: await freePort(),
      logFile: join(dir, `backend-${name}.log`),
      catalogFile,
      overlayName: `app-config.${name}.yaml`,
      config,
      preload: [HOOK],
      profileFile: PROFILE,
      env: withPlugin ? {} : { BENCH_WITHOUT_CONTRACTS: '1' },
    });
    process.on('exit', () => backend.child.kill('SIGKILL'));
    return { backend, token: await backend.signIn() };
  };
  const cleanup = async () => {
    const dropped = await dropDatabases(KIND, 'mine').catch(() => []);
    process.stdout.write(`  dropped ${dropped.length} databases\n`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      cleanup().finally(() => process.exit(130));
    });
  try {
    process.stdout.write(
      `  ${N} entities; the contracts fact retriever ${
        FACT_RETRIEVER ? 'every minute' : 'once a day'
      }; logs in ${dir}; load average ${load()}\n`,
    );
    {
      const s = await start('tables', false);
      await s.backend.stop();
      const entities = generatedEntities(N).map(e => {
        const { etag, ...metadata } = e.metadata;
        return { ...e, metadata };
      });
      await seedCatalog(`${prefix}catalog`, entities);
      // the planner's statistics of what was written, as autovacuum would gather them
      await analyzeDatabase(`${prefix}catalog`);
    }
    const { backend, token } = await start('with', true);
    const t0 = Date.now();
    await firstFindings(backend, token);
    process.stdout.write(
      `  first findings ${((Date.now() - t0) / 1000).toFixed(
        1,
      )} s after sign-in\n`,
    );
    process.stdout.write(
      `  settled after ${(await settle(backend, 180)).toFixed(0)} s\n`,
    );
    for (const key of RUNS) {
      // one request per entity, not counted: every body built, every connection warm
      const url = URLS[key](backend.base);
      const opts = { url, token, connections: CONNECTIONS, n: HTTP_ENTITIES };
      await runLoad({ ...opts, duration: 0, amount: HTTP_ENTITIES });
    }
    const rounds: Array<Record<string, RunResult & { cpuMs: number }>> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const results: Record<string, RunResult & { cpuMs: number }> = {};
      for (const key of RUNS) {
        const url = URLS[key](backend.base);
        const opts = { url, token, connections: CONNECTIONS, n: HTTP_ENTITIES };
        await settle(backend, 20);
        const profiling = PROFILE && round === 1;
        if (profiling) backend.child.kill('SIGUSR2');
        const cpu0 = cpuSeconds(backend.child.pid) ?? NaN;
        const r = await runLoad({ ...opts, duration: DURATION });
        const cpu = (cpuSeconds(backend.child.pid) ?? NaN) - cpu0;
        if (profiling) {
          backend.child.kill('SIGUSR2');
          for (let i = 0; i < 100 && !existsSync(PROFILE); i++)
            await sleep(200);
          if (existsSync(PROFILE)) renameSync(PROFILE, `${PROFILE}.${key}`);
        }
        results[key] = { ...r, cpuMs: (cpu * 1000) / (r.rps * DURATION) };
        process.stdout.write(
          `  ${round} ${key.padEnd(10)} p50 ${r.p50.toFixed(
            1,
          )} p95 ${r.p95.toFixed(1)} p99 ${r.p99.toFixed(
            1,
          )} ms, ${r.rps.toFixed(0)} req/s, ${results[key].cpuMs.toFixed(
            3,
          )} ms CPU/req, non2xx ${r.non2xx}, errors ${r.errors}, load ${r.load
            .map(l => l.toFixed(2))
            .join(' ')}\n`,
        );
      }
      const { contracts, noop, catalog } = results;
      process.stdout.write(
        `  ${round} ratios:${
          contracts && catalog
            ? ` req/s ours/catalog ${(contracts.rps / catalog.rps).toFixed(
                2,
              )}x, CPU/req ours/catalog ${(
                contracts.cpuMs / catalog.cpuMs
              ).toFixed(2)}x;`
            : ''
        }${
          contracts && noop
            ? ` p95 ours/no-op ${(contracts.p95 / noop.p95).toFixed(
                2,
              )}x, CPU/req ours/no-op ${(contracts.cpuMs / noop.cpuMs).toFixed(
                2,
              )}x, req/s no-op/catalog ${
                catalog ? (noop.rps / catalog.rps).toFixed(2) : '-'
              }x`
            : ''
        }\n`,
      );
      rounds.push(results);
    }
    await backend.stop();
    const ratio = (
      a: string,
      b: string,
      f: (r: RunResult & { cpuMs: number }) => number,
    ) =>
      RUNS.includes(a) && RUNS.includes(b)
        ? median(rounds.map(r => f(r[a]) / f(r[b])))
        : NaN;
    const rps = ratio('contracts', 'catalog', r => r.rps);
    const p95 = ratio('contracts', 'noop', r => r.p95);
    process.stdout.write(
      `  medians of ${ROUNDS} rounds: our req/s / the catalog's ${rps.toFixed(
        2,
      )}x (target >= ${TARGET.rpsRatio}x: ${
        rps >= TARGET.rpsRatio ? 'ok' : 'MISSED'
      }); our p95 / the no-op's ${p95.toFixed(2)}x (target <= ${
        TARGET.p95Ratio
      }x: ${
        p95 <= TARGET.p95Ratio ? 'ok' : 'MISSED'
      }); CPU/req ours / the no-op's ${ratio(
        'contracts',
        'noop',
        r => r.cpuMs,
      ).toFixed(2)}x; the no-op's req/s / the catalog's ${ratio(
        'noop',
        'catalog',
        r => r.rps,
      ).toFixed(2)}x (the most ours could reach); load ${load()}\n`,
    );
    if (PROFILE)
      process.stdout.write(`  profiles: ${PROFILE}.{${RUNS.join(',')}}\n`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
