/*
 * The backend at an organisation's scale (issue 22), measured from outside: the host's event
 * loop, time to first findings after a restart, and the entity endpoint's throughput, at several
 * catalog sizes in one run.
 *
 *   yarn bench:scale [--entities 10000,100000] [--duration 10] [--connections 32]
 *                    [--http-entities 5000] [--rounds 3] [--ingest seed|catalog] [--keep]
 *                    [--profile] [--fact-retriever] [--probe-pages 500,100]
 *
 * `--profile`: a CPU profile of the backend's main thread over each event-loop window, and the
 * report lists the window's tasks over 20 ms (CPU ms, heaviest stack, the functions taking most).
 * `--fact-retriever`: the tech-insights contracts fact retriever runs every minute, as
 * app-config.yaml has it (by default here once a day: see FACT_RETRIEVER).
 *
 * What runs, per size N
 * - The portal's own backend (packages/backend/src/index.ts, unmodified), started as `yarn start`
 *   starts it (scripts/benchBackend.ts), on a fresh set of PostgreSQL databases on 127.0.0.1:5432
 *   (database-per-plugin, prefix `contracts_scale_<pid>_<N>_`, dropped at the end, on an error
 *   and on Ctrl-C; those of earlier runs whose process is gone at the start), with a catalog file
 *   of N generated components (src/__testUtils__/generatedCatalog.ts: layered calls with cycles,
 *   derived datasets, needs; findings of most rules) beside the example organisation, each entity
 *   processed once, and the plugin's scheduled full recompute set to a day (it runs only when
 *   triggered here). Preloaded into it, scripts/bench-scale-hook.cjs: the event-loop monitor (IPC),
 *   a test plugin with a trivial route (GET /api/benchnoop/noop: the same root middleware, plugin
 *   router and user-token authentication as ours; it answers {}), and, for the runs "without the
 *   plugin", an empty plugin in place of @backstage-contracts/plugin-contracts-backend.
 * - The phases, in order, each a new process on the same databases:
 *   1. without the plugin, the catalog gets the N entities: by default (`--ingest seed`) written
 *      into its tables as its stitcher leaves them (scripts/benchSeedCatalog.ts: the catalog's
 *      processing of 100k entities takes hours on a loaded 2-core machine, and is not what is
 *      measured); `--ingest catalog`: from the catalog file, processed by the catalog (its time
 *      is printed); then the catalog's database is analyzed (ANALYZE), as autovacuum does after
 *      large writes on a server that runs it (this one may not: then the planner's statistics
 *      still describe the empty tables, and each page of a catalog read costs O(N));
 *   2. with the plugin, first start (nothing of ours persisted): spawn → the backend serves →
 *      first findings (GET /findings answers with all N entities): the "first load" window;
 *      then a full recompute: `--changed` % of the entities (default 1) are changed in the
 *      catalog's tables (benchSeedCatalog.changeInCatalog), and the recompute is triggered
 *      through the scheduler's own endpoint
 *      (POST /api/contracts/.backstage/scheduler/v1/tasks/<id>/trigger, the task whose id names a
 *      recompute), until the task's lastRunEndedAt moves; then the HTTP load (below);
 *   3. with the plugin, a restart: spawn → serves → first findings (whatever the plugin keeps in
 *      its database makes this faster);
 *   4. without the plugin, restarted twice: the same windows, of the same lengths, the first from
 *      when it serves (as the first load's and the restart's), then one as long as the recompute:
 *      the baseline the plugin's delays are compared with; in the first, then, the floor probe
 *      (`--probe-pages 500,100`, see PROBE_PAGES): a window per etag page size while a test route
 *      makes only the catalog reads of a full recompute — what they alone add is a floor of the
 *      recompute window that no design of the plugin's own work goes under.
 * - The host's event loop: perf_hooks.monitorEventLoopDelay (10 ms resolution) in the backend
 *   process, its max and p99 over each window; a window that begins at a start opens 3 s after the
 *   backend serves (the lazy module loading of every backend's first requests blocks for seconds at
 *   random, with the plugin or without) and lasts at least 5 s; beside it the largest gap of a 5 ms interval timer (a
 *   check on the histogram's max). "Added" is the plugin's max minus the baseline's max in the
 *   same kind of window (target ≤ 20 ms).
 * - Time to first findings after a restart: from when the restarted backend serves (signs the
 *   guest in) to its first findings (target ≤ 5 s at 100k); spawn → serves is printed beside it
 *   (the backend's own boot, with and without the plugin).
 * - HTTP, with the plugin, after the recompute: GET /api/contracts/entities/component/default/
 *   svc-K (ours), GET /api/benchnoop/noop (the framework alone) and the catalog's
 *   GET /api/catalog/entities/by-name/component/default/svc-K, K round robin over the first
 *   `--http-entities`, each warmed up first with one request per entity (not counted), then the
 *   three in turn `--rounds` times (default 3; autocannon, `--connections`, `--duration` s, the
 *   guest's user token, a browser's headers; scripts/benchHttp.ts): the table shows each route's
 *   round of median req/s, the ratios are the medians of each round's. Targets: our req/s ≥ 4×
 *   the catalog's, our p95 ≤ 1.3× the no-op route's.
 * The machine is shared: compare the ratios measured in one run, not figures of different runs.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import {
  argOf,
  type Backend,
  dropDatabases,
  freePort,
  HEADERS,
  PG,
  positiveArg,
  sleep,
  startBackend,
} from './benchBackend';
import { median, type RunResult, runLoad } from './benchHttp';
import {
  analyzeDatabase,
  changeInCatalog,
  seedCatalog,
} from './benchSeedCatalog';

const num = (name: string, def: number) => positiveArg(name, def);
const SIZES = (argOf('entities') ?? '10000,100000').split(',').map(s => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 10)
    throw new Error('--entities: sizes such as 10000,100000');
  return v;
});
const DURATION = num('duration', 10);
const CONNECTIONS = num('connections', 32);
const HTTP_ENTITIES = num('http-entities', 5000);
const ROUNDS = num('rounds', 3);
const KEEP = process.argv.includes('--keep');
/**
 * The share of the entities, in %, changed in the catalog's tables as the full recompute is
 * triggered (`--changed 1`, the default; 0: none): since 30e7159 a recompute re-reads only the
 * entities whose etags moved, so over an unchanged catalog it would measure the etag read alone.
 */
const CHANGED_PERCENT = Number(argOf('changed') ?? '1');
if (!(CHANGED_PERCENT >= 0 && CHANGED_PERCENT <= 100))
  throw new Error('--changed: a share of the entities in %, 0-100');
/** CPU profiles of the host's main thread over every window, and its tasks over 20 ms listed. */
const PROFILE = process.argv.includes('--profile');
/**
 * The tech-insights fact retriever of the contracts facts runs once a day instead of every
 * minute (app-config.yaml), unless `--fact-retriever`: each of its runs reads GET /graph, every
 * findings page and many entities' histories from the same process and writes N facts, another
 * plugin's work that would land in whichever window is open (a deployment runs it daily/hourly).
 */
const FACT_RETRIEVER = process.argv.includes('--fact-retriever');
const INGEST = argOf('ingest') ?? 'seed';
if (INGEST !== 'seed' && INGEST !== 'catalog')
  throw new Error('--ingest: seed or catalog');
const SEED = INGEST === 'seed';
const KIND = 'contracts_scale';
const TARGET = { addedMaxMs: 20, restartS: 5, rpsRatio: 4, p95Ratio: 1.3 };
/**
 * The event-loop windows that begin at a start open this long after the backend serves: the lazy
 * work every backend does at its first requests (module loading, compiling) blocks for seconds
 * at random, with the plugin or without, and would decide any comparison of maxima.
 */
const SETTLE_MS = 3000;
/**
 * The floor probe's etag page sizes (`--probe-pages 500,100`; empty: none): in the baseline
 * backend (without the plugin), one window per size while a test route makes the catalog reads a
 * full recompute must make (every etag, in pages of that size, and the changed share whole),
 * through the same catalog client, and does nothing else (scripts/bench-scale-hook.cjs). What it
 * adds to the baseline is what the catalog's answers cost the host's event loop, whatever the
 * plugin does with them: the floor of the recompute window for any design that finds changes by
 * reading the catalog (it publishes no events of entity changes).
 */
const PROBE_PAGES = (argOf('probe-pages') ?? '500,100')
  .split(',')
  .filter(Boolean)
  .map(Number);
if (PROBE_PAGES.some(p => !(Number.isInteger(p) && p > 0)))
  throw new Error('--probe-pages: page sizes, e.g. 500,100');
/** The shortest event-loop window, s. */
const MIN_WINDOW_S = 5;
const HOOK = join(__dirname, 'bench-scale-hook.cjs');

/** The event loop of a backend over a window (the hook's monitor). */
interface Eld {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  gapMaxMs: number;
  /** The window's length. */
  seconds: number;
  /** With --profile: the main thread's CPU profile over the window. */
  profileFile?: string;
}

function eldOf(backend: Backend) {
  let from = performance.now();
  let ids = 0;
  const ask = (eld: 'reset' | 'read') =>
    new Promise<any>((res, rej) => {
      const id = ++ids;
      let timer: NodeJS.Timeout | undefined = undefined;
      const onMessage = (m: any) => {
        if (m?.id !== id) return;
        clearTimeout(timer);
        backend.child.off('message', onMessage);
        res(m.eld);
      };
      timer = setTimeout(() => {
        backend.child.off('message', onMessage);
        rej(new Error('the backend did not answer the monitor'));
      }, 120_000);
      backend.child.on('message', onMessage);
      backend.child.send({ id, eld });
    });
  return {
    async reset() {
      await ask('reset');
      from = performance.now();
    },
    async read(): Promise<Eld> {
      const m = await ask('read');
      return { ...m, seconds: (performance.now() - from) / 1000 };
    },
  };
}

/** Polls until the backend signs the guest in (it serves); its token and when. */
async function serving(backend: Backend) {
  for (;;) {
    if (backend.exited)
      throw new Error(`the backend exited; see ${backend.logFile}`);
    try {
      const res = await fetch(`${backend.base}/api/auth/guest/refresh`, {
        method: 'POST',
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
      });
      if (res.ok) {
        const token: string = ((await res.json()) as any).backstageIdentity
          .token;
        return { token, at: performance.now() };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}

const getJson = async (url: string, token: string) => {
  const res = await fetch(url, {
    headers: { ...HEADERS, authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    body: res.ok ? ((await res.json()) as any) : {},
  };
};

/** Waits until the catalog holds svc-(n-1) and its count of components has stopped growing. */
async function ingested(backend: Backend, token: string, n: number) {
  let last = -1;
  const started = performance.now();
  for (;;) {
    if (backend.exited)
      throw new Error(`the backend exited; see ${backend.logFile}`);
    const count = (
      await getJson(
        `${backend.base}/api/catalog/entities/by-query?filter=kind=component&limit=1`,
        token,
      )
    ).body.totalItems as number;
    const lastOne = await getJson(
      `${backend.base}/api/catalog/entities/by-name/component/default/svc-${
        n - 1
      }`,
      token,
    );
    if (lastOne.status === 200 && count >= n && count === last) return;
    last = count;
    process.stdout.write(
      `    catalog: ${count ?? 0} components (${Math.round(
        (performance.now() - started) / 1000,
      )} s)\n`,
    );
    await sleep(5000);
  }
}

/** Polls GET /findings until it answers with all n entities; when. */
async function firstFindings(backend: Backend, token: string, n: number) {
  const started = performance.now();
  let told = started;
  for (;;) {
    if (backend.exited)
      throw new Error(`the backend exited; see ${backend.logFile}`);
    const { body } = await getJson(
      `${backend.base}/api/contracts/findings?limit=1`,
      token,
    ).catch(() => ({ body: {} as any }));
    if (body.summary?.entities >= n) return performance.now();
    if (performance.now() - told > 10_000) {
      told = performance.now();
      process.stdout.write(
        `    waiting for findings: ${
          body.summary?.entities ?? 0
        }/${n} (${Math.round((told - started) / 1000)} s)\n`,
      );
    }
    await sleep(100);
  }
}

/** Triggers the plugin's full-recompute task through the scheduler's endpoint; waits for its end. */
async function recompute(backend: Backend, token: string): Promise<number> {
  const tasksUrl = `${backend.base}/api/contracts/.backstage/scheduler/v1/tasks`;
  const tasks = async () => {
    const { status, body } = await getJson(tasksUrl, token);
    if (status !== 200) throw new Error(`GET ${tasksUrl}: ${status}`);
    const task = (body.tasks as any[]).find(t => /recompute/.test(t.taskId));
    if (!task)
      throw new Error(
        `no recompute task among ${JSON.stringify(
          body.tasks.map((t: any) => t.taskId),
        )}`,
      );
    return task;
  };
  const before = await tasks();
  const res = await fetch(
    `${tasksUrl}/${encodeURIComponent(before.taskId)}/trigger`,
    { method: 'POST', headers: { authorization: `Bearer ${token}` } },
  );
  if (!res.ok) throw new Error(`trigger ${before.taskId}: ${res.status}`);
  const started = performance.now();
  for (;;) {
    await sleep(250);
    const t = await tasks();
    const state = t.taskState ?? {};
    if (
      state.status === 'idle' &&
      state.lastRunEndedAt &&
      state.lastRunEndedAt !== before.taskState?.lastRunEndedAt
    ) {
      if (state.lastRunError)
        throw new Error(`the recompute failed: ${state.lastRunError}`);
      return performance.now();
    }
    if (performance.now() - started > 30 * 60_000)
      throw new Error('the recompute never ended');
  }
}

type Started = {
  backend: Backend;
  eld: ReturnType<typeof eldOf>;
  spawned: number;
  token: string;
  at: number;
};

const f1 = (v: number) => v.toFixed(1);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

/** An event-loop window in a line, for the partial figures. */
const eldText = (e: Eld) =>
  `max ${f1(e.maxMs)} ms, p99 ${f1(e.p99Ms)} ms, gap ${f1(
    e.gapMaxMs,
  )} ms over ${f1(e.seconds)} s`;

/**
 * A figure as soon as it is measured (with the load average), so that a run stopped before the
 * end of a size still tells what it got; the size's report follows at its end.
 */
const partial = (line: string) =>
  process.stdout.write(
    `    ${line} (load ${loadavg()
      .map(l => l.toFixed(2))
      .join(' ')})\n`,
  );

interface SizeReport {
  n: number;
  lines: string[];
}

async function measure(n: number, dir: string): Promise<SizeReport> {
  const lines: string[] = [];
  const entities = generatedEntities(n).map(e => {
    const { etag, ...metadata } = e.metadata;
    return { ...e, metadata };
  });
  const catalogFile = join(dir, `catalog-${n}.yaml`);
  // seeded: the location file is empty (the entities are in the catalog's tables)
  writeFileSync(
    catalogFile,
    SEED ? '' : entities.map(e => JSON.stringify(e)).join('\n---\n'),
  );
  const prefix = `${KIND}_${process.pid}_${n}_`;
  const config = {
    backend: { database: { client: 'pg', connection: PG, prefix } },
    catalog: { orphanStrategy: 'keep' },
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
    contracts: {
      // the catalog's reads take longer than the default 5 s on the loaded build machine at 100k
      catalogReadTimeout: 120,
      schedule: {
        frequency: { hours: 24 },
        timeout: { minutes: 30 },
        initialDelay: { hours: 24 },
      },
    },
  };
  /**
   * From a start (with the plugin): its first findings (when), and the event loop from SETTLE_MS
   * after it serves until then (at least MIN_WINDOW_S).
   */
  const untilFindings = async (s: Started): Promise<[number, Eld]> => {
    const found = firstFindings(s.backend, s.token, n);
    await sleep(SETTLE_MS);
    await s.eld.reset();
    const opened = performance.now();
    const at = await found;
    const rest = MIN_WINDOW_S * 1000 - (performance.now() - opened);
    if (rest > 0) await sleep(rest);
    return [at, await s.eld.read()];
  };
  let round = 0;
  const start = async (withPlugin: boolean): Promise<Started> => {
    round++;
    const name = `${n}-${round}-${withPlugin ? 'with' : 'without'}`;
    const spawned = performance.now();
    const backend = startBackend({
      dir,
      port: await freePort(),
      logFile: join(dir, `backend-${name}.log`),
      catalogFile,
      overlayName: `app-config.${name}.yaml`,
      config,
      preload: [HOOK],
      ipc: true,
      env: {
        ...(withPlugin ? {} : { BENCH_WITHOUT_CONTRACTS: '1' }),
        ...(PROFILE
          ? { BENCH_PROFILE_DIR: dir, BENCH_PROFILE_NAME: name }
          : {}),
      },
    });
    process.on('exit', () => backend.child.kill('SIGKILL'));
    const eld = eldOf(backend);
    const up = await serving(backend);
    process.stdout.write(
      `  ${name}: serving after ${sec(up.at - spawned)}, log ${
        backend.logFile
      }\n`,
    );
    return { backend, eld, spawned, ...up };
  };

  // 1. the catalog gets the entities (no plugin of ours)
  process.stdout.write(
    `\n${n} entities: ${SEED ? 'seeded into' : 'ingested by'} the catalog\n`,
  );
  {
    const s = await start(false);
    const t0 = performance.now();
    if (SEED) {
      // the catalog's tables exist once it serves
      await s.backend.stop();
      await seedCatalog(`${prefix}catalog`, entities);
      lines.push(
        `catalog: ${n} entities written into its tables (--ingest seed) in ${sec(
          performance.now() - t0,
        )}`,
      );
    } else {
      await ingested(s.backend, s.token, n);
      lines.push(
        `catalog ingestion (a backend without the plugin): ${sec(
          performance.now() - t0,
        )}`,
      );
      await s.backend.stop();
    }
    // the planner's statistics of what was written, as autovacuum would gather them
    const analyzed = await analyzeDatabase(`${prefix}catalog`);
    lines.push(
      `catalog: ANALYZE in ${sec(analyzed.ms)} (this server's autovacuum: ${
        analyzed.autovacuum ? 'on' : 'off'
      })`,
    );
  }

  // 2. with the plugin, first start: first load, full recompute, HTTP
  process.stdout.write(
    `${n} entities: with the plugin, first start; first load, full recompute, HTTP\n`,
  );
  const first = await start(true);
  const [firstAt, loadWith] = await untilFindings(first);
  partial(
    `first findings ${sec(
      firstAt - first.at,
    )} after serving; first load window ${eldText(loadWith)}`,
  );
  await first.eld.reset();
  const recomputeFrom = performance.now();
  if (SEED && CHANGED_PERCENT > 0) {
    const count = Math.round((n * CHANGED_PERCENT) / 100);
    const ms = await changeInCatalog(`${prefix}catalog`, n, count);
    lines.push(
      `full recompute: triggered after ${count} entities (${CHANGED_PERCENT} %) changed in the catalog's tables (${sec(
        ms,
      )})`,
    );
  }
  const recomputeAt = await recompute(first.backend, first.token);
  const recomputeWith = await first.eld.read();
  const recomputeMs = recomputeAt - recomputeFrom;
  partial(
    `full recompute ${sec(recomputeMs)}; window ${eldText(recomputeWith)}`,
  );
  const base = first.backend.base;
  const urls = {
    contracts: `${base}/api/contracts/entities/component/default/svc-N`,
    noop: `${base}/api/benchnoop/noop`,
    catalog: `${base}/api/catalog/entities/by-name/component/default/svc-N`,
  };
  const k = Math.min(n, HTTP_ENTITIES);
  // the three routes in turn, ROUNDS times, so that they share what the machine is doing
  // meanwhile (one run each measured our route alone while the worker exported the new
  // snapshot, ≈ 20 s of a core at 100k, and the other two after it)
  const rounds: Record<string, RunResult[]> = {};
  const loadOf = (url: string) => ({
    url,
    token: first.token,
    connections: CONNECTIONS,
    n: k,
  });
  for (const url of Object.values(urls)) {
    await runLoad({ ...loadOf(url), duration: 0, amount: k });
  }
  for (let turn = 1; turn <= ROUNDS; turn++) {
    for (const [key, url] of Object.entries(urls)) {
      const r = await runLoad({ ...loadOf(url), duration: DURATION });
      (rounds[key] ??= []).push(r);
      partial(
        `HTTP round ${turn} ${key}: ${r.rps.toFixed(0)} req/s, p95 ${f1(
          r.p95,
        )} ms`,
      );
    }
  }
  // per route the round of its median req/s; the ratios are the medians of each round's
  const http: Record<string, RunResult> = {};
  for (const [key, runs] of Object.entries(rounds)) {
    http[key] = [...runs].sort((a, b) => a.rps - b.rps)[runs.length >> 1];
  }
  const rpsRatio = median(
    rounds.contracts.map((r, i) => r.rps / rounds.catalog[i].rps),
  );
  const p95Ratio = median(
    rounds.contracts.map((r, i) => r.p95 / rounds.noop[i].p95),
  );
  await first.backend.stop();

  // 3. with the plugin, restarted
  process.stdout.write(`${n} entities: with the plugin, restarted\n`);
  const again = await start(true);
  const [againAt, restartWith] = await untilFindings(again);
  partial(
    `restart: first findings ${sec(
      againAt - again.at,
    )} after serving; window ${eldText(restartWith)}`,
  );
  await again.backend.stop();

  // 4. without the plugin, restarted: the same windows
  process.stdout.write(
    `${n} entities: without the plugin, restarted (the baseline windows)\n`,
  );
  const whole = Math.round((n * CHANGED_PERCENT) / 100);
  const probes: Array<{ page: number; ms: number; eld: Eld }> = [];
  const baseline = async (seconds: number[], probe = false) => {
    const without = await start(false);
    const out: Eld[] = [];
    await sleep(SETTLE_MS);
    for (const length of seconds) {
      await without.eld.reset();
      await sleep(Math.max(length, MIN_WINDOW_S) * 1000);
      out.push(await without.eld.read());
    }
    const readCatalog = (query: string) =>
      fetch(`${without.backend.base}/api/benchnoop/read-catalog?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${without.token}` },
      });
    // the catalog client's and the route's first call (lazy module loading) outside the windows
    if (probe && PROBE_PAGES.length) await readCatalog('pages=1&whole=100');
    for (const page of probe ? PROBE_PAGES : []) {
      await without.eld.reset();
      const opened = performance.now();
      const res = await readCatalog(`etagPage=${page}&whole=${whole}`);
      const body = await res.json();
      if (!res.ok || body.etags < n)
        throw new Error(
          `the floor probe: ${res.status} ${JSON.stringify(body)}`,
        );
      const rest = MIN_WINDOW_S * 1000 - (performance.now() - opened);
      if (rest > 0) await sleep(rest);
      const eld = await without.eld.read();
      probes.push({ page, ms: body.ms, eld });
      partial(
        `floor probe, etag pages of ${page}: ${body.etags} etags and ${
          body.whole
        } whole read in ${sec(body.ms)}; window ${eldText(eld)}`,
      );
    }
    await without.backend.stop();
    return { windows: out, boot: without.at - without.spawned };
  };
  const {
    windows: [loadWithout, recomputeWithout],
    boot: bootWithout,
  } = await baseline([loadWith.seconds, recomputeWith.seconds], true);
  const {
    windows: [restartWithout],
  } = await baseline([restartWith.seconds]);

  // report
  const cell = (e: Eld) =>
    `${f1(e.maxMs).padStart(8)} ${f1(e.p99Ms).padStart(7)} ${f1(
      e.gapMaxMs,
    ).padStart(8)}`;
  const eldRow = (label: string, w: Eld, wo: Eld) => {
    const added =
      Math.max(w.maxMs, w.gapMaxMs) - Math.max(wo.maxMs, wo.gapMaxMs);
    return `  ${label.padEnd(34)}${cell(w)}   ${cell(wo)}   ${f1(
      added,
    ).padStart(8)}  ${verdict(added <= TARGET.addedMaxMs)}`;
  };
  lines.push(
    '',
    `the host's event loop, ms (monitorEventLoopDelay max, p99; the 5 ms timer's largest gap); added = the larger max with the plugin minus without (target <= ${TARGET.addedMaxMs} ms)`,
    `  ${'window'.padEnd(34)}${'with: max'.padStart(8)} ${'p99'.padStart(
      7,
    )} ${'gap'.padStart(8)}   ${'without: max'.padStart(8)} ${'p99'.padStart(
      7,
    )} ${'gap'.padStart(8)}   ${'added'.padStart(8)}`,
    eldRow(`first load (${f1(loadWith.seconds)} s)`, loadWith, loadWithout),
    eldRow(
      `full recompute (${f1(recomputeWith.seconds)} s)`,
      recomputeWith,
      recomputeWithout,
    ),
    eldRow(
      `restart (${f1(restartWith.seconds)} s)`,
      restartWith,
      restartWithout,
    ),
    ...probes.map(p =>
      eldRow(
        `  floor: reads alone, pages ${p.page} (${f1(p.eld.seconds)} s)`,
        p.eld,
        recomputeWithout,
      ).replace(/ {2}(ok|MISSED)$/, ''),
    ),
    ...(probes.length
      ? [
          `  (floor: without the plugin, a test route makes only the catalog reads of a full recompute — ${n} etags in pages of the size shown, ${whole} entities whole in pages of 100 — and nothing else: what those reads alone add to the host's event loop, beside the recompute window without them)`,
        ]
      : []),
    '',
    `full recompute (trigger → task ended): ${sec(recomputeMs)}`,
    `first start: spawn → serving ${sec(
      first.at - first.spawned,
    )}, serving → first findings ${sec(firstAt - first.at)}`,
    `restart:     spawn → serving ${sec(
      again.at - again.spawned,
    )}, serving → first findings ${sec(againAt - again.at)}   ${
      n >= 100_000
        ? `(target <= ${TARGET.restartS} s at 100k: ${verdict(
            againAt - again.at <= TARGET.restartS * 1000,
          )})`
        : ''
    }`,
    `without the plugin: spawn → serving ${sec(bootWithout)}`,
    '',
    `HTTP, with the plugin: svc-0 … svc-${
      k - 1
    } round robin, ${CONNECTIONS} connections, ${DURATION} s each, ${ROUNDS} rounds (the median round)`,
    `  ${'endpoint'.padEnd(44)}${'p50'.padStart(8)}${'p95'.padStart(
      8,
    )}${'p99'.padStart(8)}${'req/s'.padStart(8)}  non2xx/err  load`,
  );
  const httpRow = (label: string, r: RunResult) =>
    `  ${label.padEnd(44)}${f1(r.p50).padStart(8)}${f1(r.p95).padStart(8)}${f1(
      r.p99,
    ).padStart(8)}${r.rps.toFixed(0).padStart(8)}  ${r.non2xx}/${
      r.errors
    }  ${r.load.map(l => l.toFixed(2)).join(' ')}`;
  lines.push(
    httpRow('GET /api/contracts/entities/...', http.contracts),
    httpRow('GET /api/benchnoop/noop (no-op route)', http.noop),
    httpRow('GET /api/catalog/entities/by-name/...', http.catalog),
  );
  lines.push(
    `  our req/s / the catalog's: ${rpsRatio.toFixed(2)}x (target >= ${
      TARGET.rpsRatio
    }x: ${verdict(
      rpsRatio >= TARGET.rpsRatio,
    )}); our p95 / the no-op route's: ${p95Ratio.toFixed(2)}x (target <= ${
      TARGET.p95Ratio
    }x: ${verdict(p95Ratio <= TARGET.p95Ratio)})`,
  );
  if (PROFILE) {
    const windows: Array<[string, Eld]> = [
      ['first load, with the plugin', loadWith],
      ['full recompute, with the plugin', recomputeWith],
      ['restart, with the plugin', restartWith],
      ['first load window, without', loadWithout],
      ['full recompute window, without', recomputeWithout],
      ['restart window, without', restartWithout],
      ...probes.map((p): [string, Eld] => [
        `floor probe, etag pages of ${p.page}, without`,
        p.eld,
      ]),
    ];
    for (const [label, w] of windows) {
      if (w.profileFile) lines.push('', ...longTasks(label, w.profileFile));
    }
  }
  return { n, lines };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The longest task a report lists, ms: the target's own bound. */
const LONG_TASK_MS = 20;

/**
 * The main thread's tasks over {@link LONG_TASK_MS} in a CPU profile (a run of samples that are
 * not idle), longest first: each with its CPU time, its heaviest stack and the functions that
 * take most of it (inclusive).
 */
function longTasks(label: string, file: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map(node => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const c of node.children ?? []) parent.set(c, node.id);
  const name = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      .replace(/^file:\/\//, '')
      .replace(/.*\/node_modules\//, '')
      .replace(/.*\/(plugins|packages)\//, '$1/');
    return `${functionName || '(anonymous)'}${
      where ? ` ${where}:${lineNumber + 1}` : ''
    }`;
  };
  const idle = (id: number) =>
    byId.get(id)?.callFrame.functionName === '(idle)';
  type Task = { ms: number; samples: Map<number, number> };
  const tasks: Task[] = [];
  let task: Task | undefined;
  let busyMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (idle(id)) {
      if (task && task.ms > LONG_TASK_MS) tasks.push(task);
      task = undefined;
      return;
    }
    busyMs += ms;
    task ??= { ms: 0, samples: new Map() };
    task.ms += ms;
    task.samples.set(id, (task.samples.get(id) ?? 0) + ms);
  });
  if (task && task.ms > LONG_TASK_MS) tasks.push(task);
  tasks.sort((a, b) => b.ms - a.ms);
  const out = [
    `main-thread tasks over ${LONG_TASK_MS} ms, ${label}: ${
      tasks.length
    } (busy ${sec(busyMs)} of the window; profile ${file})`,
  ];
  for (const t of tasks.slice(0, 12)) {
    const inclusive = new Map<string, number>();
    let heaviest = 0;
    let heaviestMs = 0;
    for (const [id, ms] of t.samples) {
      if (ms > heaviestMs) [heaviest, heaviestMs] = [id, ms];
      const seen = new Set<string>();
      for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
        const k = name(byId.get(c)!);
        if (seen.has(k)) continue;
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
      }
    }
    const stack: string[] = [];
    for (
      let c: number | undefined = heaviest;
      c !== undefined && stack.length < 10;
      c = parent.get(c)
    ) {
      const k = name(byId.get(c)!);
      if (k !== '(root)') stack.push(k);
    }
    const top = [...inclusive]
      .filter(([k]) => !/^\((root|program|anonymous)\)$/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, ms]) => `${k} ${f1(ms)}`);
    out.push(
      `  ${f1(t.ms)} ms; heaviest stack (${f1(heaviestMs)} ms): ${stack.join(
        ' < ',
      )}`,
      `    most (inclusive ms): ${top.join('; ')}`,
    );
  }
  return out;
}

async function main() {
  const stale = await dropDatabases(KIND, 'stale');
  if (stale.length)
    process.stdout.write(
      `  dropped ${stale.length} databases of earlier runs that are gone\n`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'contracts-bench-scale-'));
  process.stdout.write(
    `  sizes ${SIZES.join(
      ', ',
    )}; the contracts fact retriever (tech-insights) ${
      FACT_RETRIEVER ? 'every minute' : 'once a day'
    }; logs, config and catalogs: ${dir}; load average ${loadavg()
      .map(l => l.toFixed(2))
      .join(' ')}\n`,
  );
  const cleanup = async () => {
    if (KEEP) return;
    const dropped = await dropDatabases(KIND, 'mine').catch(() => []);
    process.stdout.write(`  dropped ${dropped.length} databases\n`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup().finally(() => process.exit(130));
    });
  }
  const reports: SizeReport[] = [];
  try {
    for (const n of SIZES) {
      const r = await measure(n, dir);
      reports.push(r);
      process.stdout.write(
        `\n== ${
          r.n
        } entities (generated catalog, PostgreSQL) ==\n${r.lines.join('\n')}\n`,
      );
    }
  } finally {
    await cleanup();
  }
  process.stdout.write(`\n  done: ${reports.map(r => r.n).join(', ')}\n`);
}

main().then(
  () => process.exit(0),
  e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
