/*
 * Load script of issue 13 (not a test): decision writes across two replicas, and what they do to
 * the catalog beside them and to the other replica's view.
 *
 *   yarn bench:decisions [--decisions 20000] [--entities 1000] [--concurrency 16]
 *                        [--idle 40] [--probe-rate 20] [--refresh-interval S] [--sync-interval S]
 *                        [--lag-every 20] [--lag-pending 8] [--max-per-finding N]
 *                        [--concurrent-writes N] [--write-queue N] [--max-loop-delay MS]
 *                        [--max-utilization U] [--max-write-rate W]
 *                        [--floor] [--rate R]
 *                        [--profile out.cpuprofile [--profile-replica a|b]] [--keep]
 *
 * Targets (the issue): the catalog's p99 during the writes within 2× its idle p99 (the quieter
 * of the idle phases before and after the writes), on each replica; the replica lag at most 3 s
 * (every sampled write: the max, not a percentile).
 *
 * What runs
 * - Two replicas of the portal's own backend (packages/backend/src/index.ts, unmodified), each
 *   started as `yarn start` starts it (node with Backstage's node transform, NODE_ENV=production,
 *   app-config.yaml) in its own process, with an overlay (scripts/benchBackend.ts) that changes
 *   where it listens, adds a generated catalog of `--entities` components (each with a contract
 *   calling the next one: about 40% of the calls miss their latency budget, one latency-budget
 *   finding each), and puts both on one fresh set of PostgreSQL databases on 127.0.0.1:5432
 *   (user postgres): Backstage's database-per-plugin mode with the prefix
 *   `contracts_bench_<pid>_` (contracts_bench_<pid>_catalog, …_contracts, …), created by the
 *   backends, dropped at the end, on an error and on Ctrl-C (databases of an earlier run whose
 *   process is gone are dropped at the start). Replica B starts once A serves (A has created
 *   the databases and run the migrations).
 * - The overlay also sets, for the load (all printed at the start):
 *   - `contracts.deciders.latency-budget: [group:default/support-team]`: the guest, a member of
 *     support-team, is a party of every latency-budget finding (decision writes need a party);
 *   - `contracts.decisions.writesPerMinute: 1000000`: the per-user rate limit (default 30) would
 *     answer 429 to nearly all of one user's 20,000 writes;
 *   - `contracts.decisions.concurrentWrites` and `writeQueue` (the writes one replica handles at
 *     a time, and how many may wait; beyond, a 503 with Retry-After): their defaults (2, 32)
 *     unless `--concurrent-writes` / `--write-queue`. A 503 is sent again after its Retry-After
 *     (counted; the write's latency runs from its first try);
 *   - `contracts.decisions.maxPerFinding`: left at its default (100) unless `--max-per-finding`;
 *     the writes are spread round-robin over every latency-budget finding (≈ 400 at 1,000
 *     entities: ≈ 50 records each); the script stops before writing if they cannot hold them;
 *   - `contracts.schedule` once a day (first run a day after start): the periodic full recompute
 *     of the graph (default every 5 min, from 15 s after start) would land in one of the phases
 *     by chance; the first read at start and the polling loops run as in production: the
 *     graph's quick check every `contracts.refreshIntervalSeconds` (default 3 s), further apart
 *     when a run takes more than 5% of the time (src/services/polling.ts), and the decisions
 *     sync every `contracts.decisions.syncIntervalSeconds` (default 1 s). `--refresh-interval S`
 *     and `--sync-interval S` set them, for experiments.
 *   - `catalog.processingInterval` a day: each entity is processed once (at start).
 * - The guest signs in on each replica as the portal's sign-in page does; every request carries
 *   its user token (verified on every request) and browser-like headers.
 *
 * What is measured
 * - The probe: the catalog's GET /api/catalog/entities/by-name/component/default/svc-N (round
 *   robin over all N; the catalog asks the permission framework per request), from a worker
 *   thread per replica at a steady `--probe-rate` requests/s per replica, open loop: one request
 *   every 1/rate s whether or not the earlier ones have answered (fetch, keep-alive), so that a
 *   stall shows in the latencies instead of slowing the probe down (autocannon's rate limit
 *   sends each second's requests in a burst at its start, which queued them in the idle phase
 *   already); at most 32 in flight per replica (beyond, a request is not sent but counted as
 *   dropped: an open loop must not bury a stalled backend). A catalog request costs the replica
 *   ≈ 5–7 ms of CPU here, so the default 20 req/s per replica takes ≈ 12% of a core each.
 *   Latency from send to the body read; exact percentiles (every response's latency is kept).
 *   Before the idle phase, every entity is asked once on each replica (not counted).
 * - (1) Idle: the probe alone for `--idle` seconds → idle p50/p99 per replica. The idle state
 *   includes the graph's quick check (a read of every entity's etag from the catalog, ≈ 0.2–1 s
 *   at 1,000 entities here, every ≈ 5–20 s); 40 s takes in a few. (4) after the writes, the same
 *   again: on this shared machine one stall from another job sets an idle p99 (0.7–3 s in most
 *   runs), so the target is judged against the quieter of the two idle phases, and the p50
 *   ratio is printed beside it.
 * - (2) Load: `--decisions` POST /api/contracts/decisions (a proposal, ~300 B of text), written
 *   alternately through replica A and B (write i through A when i is even) by `--concurrency`
 *   concurrent writers of this process (fetch, keep-alive), spread over the findings; the probe
 *   runs from the first write to the last answer → catalog p50/p99 during, per replica, and its
 *   p99 per 10 s window. Writes: throughput, latency, statuses (a refused connection or a
 *   timeout counts as a status of its own).
 * - (3) Replica lag: every `--lag-every`th write that answers 201 (through A and B in turns;
 *   at most `--lag-pending` waiting at a time, a guard against burying a lagging replica under
 *   polls; it binds only when the lag is long — then the skipped samples are counted — and a
 *   cap that binds biases the lag upwards, since the slots free up at the other replica's syncs
 *   and the next samples are the writes just after a sync, which wait the longest), the time
 *   from its answer on one replica until the OTHER replica's in-memory view shows it:
 *   GET /api/contracts/findings/{findingId} of the other replica (its `decisions` come from the
 *   replica's cache, which the sync fills) every 50 ms until the record is there. Resolution:
 *   the poll period plus one request. Median, p95 and max; a sample not seen in 120 s counts
 *   as 120 s. Each sample costs the other replica ~20 requests/s while it waits (≈ 2.5 samples
 *   pending at a time at 50 writes/s).
 * - Each replica's polling loops, through a trace hook preloaded into both (TRACE_HOOK below):
 *   every run of the decisions sync and of the graph's quick check, how long it took, the pause
 *   after it, and its failures. From them: for each lag sample, the other replica's first sync
 *   that started after the write and whether that sync showed it; the probe's p99 beside a quick
 *   check and apart from one.
 * - The load average (1 min) during each phase, and the CPU time each replica process used
 *   (from /proc): other processes compete for the same cores.
 * - `--profile FILE`: a CPU profile of one replica (`--profile-replica`, default a) during the
 *   load phase (scripts/bench-profile-hook.cjs; summarise with `yarn bench:summary FILE`): the
 *   profiler slows that replica, its figures then say so. `--keep` leaves the databases.
 * - `--floor`: the same load on a bare insert instead of the plugin's write route: both replicas
 *   preload scripts/bench-decisions-floor-hook.cjs, a test plugin whose POST
 *   /api/benchfloor/decisions (the same middleware and token authentication) inserts the row the
 *   plugin would store for the same body with one knex insert, and the writes go there (no lag:
 *   nothing of the plugin sees them). What any implementation of the route must spend: if the
 *   catalog's p99 misses its target under the floor, no write route can meet it at this rate.
 * - `--rate R`: an open loop instead of `--concurrency` writers: write i is sent at i/R s from the
 *   start (R writes/s over both replicas), whether or not the earlier ones have answered (at most
 *   256 in flight; beyond, the next is sent late, counted). With `--floor`, the catalog's p99 at a
 *   fixed write rate: the rate at which even a bare insert keeps it within 2×.
 * - A write answered 503 or 429 with a Retry-After (s, fractions allowed) is sent again after it.
 * - `--max-utilization U` sets `contracts.decisions.maxEventLoopUtilization` (0–1: writes admitted
 *   at a rate that keeps each replica's event loop busy about that share of the time; beyond it,
 *   503 with Retry-After; src/services/admission.ts).
 * - `--max-write-rate W` sets `contracts.decisions.maxWritesPerSecond` (each replica admits at
 *   most W writes/s: a write beyond waits for its turn up to 2 s, then 503 with Retry-After;
 *   alone, or as the ceiling of --max-utilization). The issue's run: `--max-write-rate 12.5`.
 * - `--max-loop-delay MS` sets `contracts.decisions.maxEventLoopDelay` (writes refused with 503
 *   and Retry-After while the replica's event loop is delayed beyond it; README).
 * - `kill -USR2 <pid>` during the writes: no more writes are sent (those in flight finish), and
 *   the run goes on to the idle phase and the report, of the writes made (on a machine so
 *   loaded that the writes would take too long; the report's write count says how many).
 *   Ctrl-C (SIGINT) stops without a report.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type Backend,
  type Json,
  cpuSeconds,
  dropDatabases,
  freePort,
  PG,
  generateYaml,
  HEADERS,
  sleep,
  startBackend,
  waitForGraph,
} from './benchBackend';
import {
  at,
  count,
  ms,
  type ProbeResult,
  secs,
  sortedOf,
  startProbe,
  loopDelayReport,
  notificationsSettled,
  pollingReport,
  quickCheckReport,
  syncReport,
  TRACE_HOOK,
  withLoad,
} from './benchDecisionsProbes';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`--${name} needs a positive number`);
  return v;
};
const DECISIONS = arg('decisions', 20000);
const N = arg('entities', 1000);
const CONCURRENCY = arg('concurrency', 16);
const IDLE_S = arg('idle', 40);
const PROBE_RATE = arg('probe-rate', 20);
/** Probe requests in flight at most, per replica; beyond, one is not sent (counted as dropped). */
const PROBE_MAX_IN_FLIGHT = 32;
const LAG_EVERY = arg('lag-every', 20);
const LAG_PENDING = arg('lag-pending', 8);
/** An option that overrides a config default only when given. */
const given = (name: string) =>
  process.argv.includes(`--${name}`) ? arg(name, NaN) : undefined;
const REFRESH_S = given('refresh-interval');
const SYNC_S = given('sync-interval');
const CONCURRENT_WRITES = given('concurrent-writes');
const WRITE_QUEUE = given('write-queue');
const MAX_PER_FINDING = given('max-per-finding');
const MAX_LOOP_DELAY = given('max-loop-delay');
/** Open loop: writes per second, both replicas together (instead of --concurrency writers). */
const RATE = given('rate');
const MAX_UTILIZATION = given('max-utilization');
const MAX_WRITE_RATE = given('max-write-rate');
/** Writes in flight at most under --rate; beyond, the next is sent late (counted). */
const RATE_MAX_IN_FLIGHT = 256;
const WRITERS = RATE
  ? `open loop at ${RATE} writes/s (at most ${RATE_MAX_IN_FLIGHT} in flight)`
  : `${CONCURRENCY} writers`;
const KEEP = process.argv.includes('--keep');
const FLOOR = process.argv.includes('--floor');
/** Where the writes go: the plugin's route, or (--floor) the bare insert's. */
const WRITE_PLUGIN = FLOOR ? 'benchfloor' : 'contracts';
const FLOOR_HOOK = join(__dirname, 'bench-decisions-floor-hook.cjs');
const PROFILE = (() => {
  const i = process.argv.indexOf('--profile');
  return i > 0 ? resolve(process.argv[i + 1]) : undefined;
})();
const probeOptions = {
  rate: PROBE_RATE,
  n: N,
  maxInFlight: PROBE_MAX_IN_FLIGHT,
};
const PROFILE_REPLICA = (() => {
  const i = process.argv.indexOf('--profile-replica');
  const v = i > 0 ? process.argv[i + 1] : 'a';
  if (v !== 'a' && v !== 'b') throw new Error('--profile-replica: a or b');
  return v === 'a' ? 0 : 1;
})();
const LAG_POLL_MS = 50;
const LAG_GIVE_UP_MS = 120_000;
const TARGET = { p99Ratio: 2, lagMs: 3000 };

const KIND = 'contracts_bench';
const PREFIX = `${KIND}_${process.pid}_`;

async function main() {
  const started = Date.now();
  const stale = await dropDatabases(KIND, 'stale');
  if (stale.length)
    process.stdout.write(
      `  dropped ${stale.length} databases of earlier runs that are gone\n`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'contracts-bench-decisions-'));
  const catalogFile = join(dir, 'catalog.yaml');
  writeFileSync(catalogFile, generateYaml(N));
  const config = {
    backend: {
      database: { client: 'pg', connection: PG, prefix: PREFIX },
    },
    contracts: {
      deciders: { 'latency-budget': ['group:default/support-team'] },
      ...(REFRESH_S ? { refreshIntervalSeconds: REFRESH_S } : {}),
      decisions: {
        writesPerMinute: 1_000_000,
        ...(MAX_PER_FINDING ? { maxPerFinding: MAX_PER_FINDING } : {}),
        ...(SYNC_S ? { syncIntervalSeconds: SYNC_S } : {}),
        ...(CONCURRENT_WRITES ? { concurrentWrites: CONCURRENT_WRITES } : {}),
        ...(WRITE_QUEUE ? { writeQueue: WRITE_QUEUE } : {}),
        ...(MAX_LOOP_DELAY ? { maxEventLoopDelay: MAX_LOOP_DELAY } : {}),
        ...(MAX_UTILIZATION
          ? { maxEventLoopUtilization: MAX_UTILIZATION }
          : {}),
        ...(MAX_WRITE_RATE ? { maxWritesPerSecond: MAX_WRITE_RATE } : {}),
      },
      schedule: {
        frequency: { hours: 24 },
        timeout: { minutes: 10 },
        initialDelay: { hours: 24 },
      },
    },
  };
  process.stdout.write(
    [
      `  two replicas of packages/backend on PostgreSQL ${PG.host}:${PG.port}, databases ${PREFIX}*`,
      `  overlay (besides listen, catalog): ${JSON.stringify(
        config.contracts,
      )}`,
      `  logs and config: ${dir}`,
      '',
    ].join('\n'),
  );

  const replicas: Backend[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all(replicas.map(r => r.stop()));
      for (const r of replicas) if (!r.exited) r.child.kill('SIGKILL');
      if (KEEP) {
        process.stdout.write(`  databases kept: ${PREFIX}*\n`);
        return;
      }
      const dropped = await dropDatabases(KIND, 'mine').catch(e => {
        process.stderr.write(`could not drop ${PREFIX}*: ${e}\n`);
        return [];
      });
      process.stdout.write(
        `  stopped both replicas, dropped ${dropped.length} databases ${PREFIX}*\n`,
      );
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up\n`);
      cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await run(dir, catalogFile, config, replicas, started);
  } finally {
    await cleanup();
  }
}

async function run(
  dir: string,
  catalogFile: string,
  config: Json,
  replicas: Backend[],
  started: number,
) {
  const names = ['A', 'B'];
  const tokens: string[] = [];
  const traceHook = join(dir, 'trace-polling.cjs');
  writeFileSync(traceHook, TRACE_HOOK);
  for (const [i, name] of names.entries()) {
    const port = await freePort();
    const replica = startBackend({
      dir,
      port,
      logFile: join(dir, `backend-${name.toLowerCase()}.log`),
      catalogFile,
      overlayName: `app-config.${name.toLowerCase()}.yaml`,
      config,
      profileFile: PROFILE && PROFILE_REPLICA === i ? PROFILE : undefined,
      preload: FLOOR ? [traceHook, FLOOR_HOOK] : [traceHook],
    });
    replicas.push(replica);
    process.stdout.write(
      `  replica ${name}: ${replica.base}, log ${replica.logFile}\n`,
    );
    // B after A serves: A has created the databases and run the migrations
    tokens.push(await replica.signIn());
  }
  for (const [i, replica] of replicas.entries()) {
    await waitForGraph(replica, tokens[i], N, started, ` (${names[i]})`);
  }
  const headersOf = (i: number) => ({
    ...HEADERS,
    authorization: `Bearer ${tokens[i]}`,
  });

  // the findings the writes answer: every latency-budget finding (the guest is a party of each)
  const findings: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const res = await fetch(
      `${
        replicas[0].base
      }/api/contracts/findings?rule=latency-budget&limit=500${
        cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''
      }`,
      { headers: headersOf(0) },
    );
    if (!res.ok) throw new Error(`GET /findings: ${res.status}`);
    const body: any = await res.json();
    findings.push(...body.items.map((f: { id: string }) => f.id));
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  const perFinding = Math.ceil(DECISIONS / findings.length);
  const bound = MAX_PER_FINDING ?? 100;
  process.stdout.write(
    `  ${findings.length} latency-budget findings: ≈ ${perFinding} records each (maxPerFinding ${bound})\n`,
  );
  if (!findings.length || perFinding > bound) {
    throw new Error(
      `${DECISIONS} decisions do not fit ${findings.length} findings of at most ${bound} records: more --entities or --max-per-finding ${perFinding}`,
    );
  }

  process.stdout.write(
    `  warm-up: every entity once through each replica's catalog (${N} requests each)\n`,
  );
  await Promise.all(
    replicas.map((r, i) =>
      startProbe(r.base, tokens[i], { ...probeOptions, amount: N }).stop(),
    ),
  );
  const cpuOf = () => replicas.map(r => cpuSeconds(r.child.pid));

  // The catalog settles after the replicas start (each entity processed once): the graphs that
  // follow find findings the first one did not, and the notifier sends them. Not part of the
  // idle state: wait for it.
  process.stdout.write(await notificationsSettled(replicas));

  // (1) idle
  process.stdout.write(
    `  idle: the catalog probe alone, ${IDLE_S} s, ${PROBE_RATE} req/s per replica\n`,
  );
  let cpu0 = cpuOf();
  const idleFrom = Date.now();
  const [idle, idleLoad] = await withLoad(async () => {
    const probes = replicas.map((r, i) =>
      startProbe(r.base, tokens[i], probeOptions),
    );
    await sleep(IDLE_S * 1000);
    return Promise.all(probes.map(p => p.stop()));
  });
  const idleCpu = cpuOf().map((c, i) => (c ?? NaN) - (cpu0[i] ?? NaN));
  const idleTo = Date.now();

  // (2) load and (3) lag
  process.stdout.write(
    `  load: ${DECISIONS} decisions, alternately through A and B, ${WRITERS}, the probe beside them\n`,
  );
  const statuses = new Map<string, number>();
  const writeLatencies: number[][] = [[], []];
  /** Writes sent again after a 503 (a full write queue), per replica. */
  const retried = [0, 0];
  /** A sampled write: through which replica, answered when (epoch ms), seen by the other after lagMs. */
  interface LagSample {
    from: number;
    ackEpoch: number;
    lagMs: number;
    /** The other replica's answers to the polls, ms. */
    pollMs: number[];
  }
  const lags: LagSample[] = [];
  let pendingLags = 0;
  let skippedLags = 0;
  const lagPolls: Promise<void>[] = [];
  const firstError = new Map<string, string>();

  const sampleLag = async (
    from: number,
    findingId: string,
    id: string,
    ackAt: number,
  ) => {
    const other = 1 - from;
    const sample: LagSample = {
      from,
      ackEpoch: Date.now() - (performance.now() - ackAt),
      lagMs: LAG_GIVE_UP_MS,
      pollMs: [],
    };
    pendingLags++;
    try {
      for (;;) {
        const t = performance.now();
        if (t - ackAt > LAG_GIVE_UP_MS) return;
        try {
          const res = await fetch(
            `${
              replicas[other].base
            }/api/contracts/findings/${encodeURIComponent(findingId)}`,
            { headers: headersOf(other) },
          );
          const body: any = res.ok ? await res.json() : undefined;
          const now = performance.now();
          sample.pollMs.push(now - t);
          if (body?.decisions?.some((d: { id: string }) => d.id === id)) {
            sample.lagMs = now - ackAt;
            return;
          }
        } catch {
          // asked again
        }
        await sleep(Math.max(0, LAG_POLL_MS - (performance.now() - t)));
      }
    } finally {
      lags.push(sample);
      pendingLags--;
    }
  };

  let next = 0;
  /** Set by SIGUSR2: no more writes are sent; the run goes on to the idle phase and the report. */
  let stopWriting = false;
  process.once('SIGUSR2', () => {
    stopWriting = true;
    process.stdout.write(
      `  SIGUSR2: no more writes after ${Math.min(
        next,
        DECISIONS,
      )}; the report counts those\n`,
    );
  });
  /** Write i (through A when i is even); its status counted, a lag sampled for some. */
  const writeOne = async (i: number) => {
    const r = i % 2;
    // consecutive writes (one through each replica) answer the same finding
    const findingId = findings[Math.floor(i / 2) % findings.length];
    const post = () =>
      fetch(`${replicas[r].base}/api/${WRITE_PLUGIN}/decisions`, {
        method: 'POST',
        headers: { ...headersOf(r), 'content-type': 'application/json' },
        body: JSON.stringify({
          findingId,
          title: `Load decision ${i}`,
          context: `Written by bench-decisions through replica ${names[r]}.`,
          options: ['Raise the budget', 'Cache the call'],
          decision: 'Raise the latency budget for now',
          rationale:
            'The call is off the critical path; the cache comes next quarter.',
          reviewBy: '2099-12-31',
        }),
        signal: AbortSignal.timeout(60_000),
      });
    const t0 = performance.now();
    let status: string;
    try {
      let res: Response;
      // refused for now (503: the write queue is full or the replica is busy; 429: the rate
      // per user): again after its Retry-After (seconds, fractions allowed)
      for (;;) {
        res = await post();
        const retry = Number(res.headers.get('retry-after'));
        if ((res.status !== 503 && res.status !== 429) || !(retry > 0)) break;
        await res.arrayBuffer();
        retried[r]++;
        await sleep(retry * 1000);
      }
      status = String(res.status);
      const body: any = await res.json().catch(() => undefined);
      const ackAt = performance.now();
      writeLatencies[r].push(ackAt - t0);
      if (res.status === 201 && body?.id) {
        // one write in LAG_EVERY, through A and B in turns
        if (!FLOOR && i % LAG_EVERY === Math.floor(i / LAG_EVERY) % 2) {
          if (pendingLags < LAG_PENDING) {
            lagPolls.push(sampleLag(r, findingId, body.id, ackAt));
          } else skippedLags++;
        }
      } else if (!firstError.has(status)) {
        firstError.set(status, JSON.stringify(body)?.slice(0, 300));
      }
    } catch (e: any) {
      status = e?.cause?.code ?? e?.name ?? 'error';
      if (!firstError.has(status)) firstError.set(status, String(e));
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  };
  /** Closed loop: each of CONCURRENCY writers sends its next write when the last answered. */
  const writer = async () => {
    for (;;) {
      const i = next++;
      if (i >= DECISIONS || stopWriting) return;
      await writeOne(i);
    }
  };
  /** Writes sent late by --rate (RATE_MAX_IN_FLIGHT in flight when their time came). */
  let lateWrites = 0;
  /**
   * Open loop (--rate): write i is sent at i / RATE s from the start whether or not the earlier
   * ones have answered, at most RATE_MAX_IN_FLIGHT in flight (then the next waits for one:
   * counted as late, and the rate achieved says so).
   */
  const openLoop = async () => {
    const t0 = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      const i = next;
      if (i >= DECISIONS || stopWriting) break;
      const due = t0 + (i * 1000) / RATE!;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= RATE_MAX_IN_FLIGHT) {
        lateWrites++;
        while (inFlight.size >= RATE_MAX_IN_FLIGHT)
          await Promise.race(inFlight);
      }
      next++;
      const p: Promise<void> = writeOne(i).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  };

  cpu0 = cpuOf();
  const loadFrom = Date.now();
  const profiled = PROFILE ? replicas[PROFILE_REPLICA].child : undefined;
  if (profiled && PROFILE) {
    rmSync(PROFILE, { force: true });
    profiled.kill('SIGUSR2');
  }
  const [[during, writeSeconds, lagWaitSeconds], loadLoad] = await withLoad(
    async () => {
      const probes = replicas.map((r, i) =>
        startProbe(r.base, tokens[i], probeOptions),
      );
      const t0 = performance.now();
      let lastReport = t0;
      const progress = setInterval(() => {
        const now = performance.now();
        if (now - lastReport < 10_000) return;
        lastReport = now;
        process.stdout.write(
          `    ${Math.min(next, DECISIONS)}/${DECISIONS} written (${(
            (now - t0) /
            1000
          ).toFixed(0)} s), lag samples ${
            lags.length
          }, load ${loadavg()[0].toFixed(2)}\n`,
        );
      }, 1000);
      if (RATE) await openLoop();
      else await Promise.all(Array.from({ length: CONCURRENCY }, writer));
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(progress);
      const result = await Promise.all(probes.map(p => p.stop()));
      // the samples still waiting for the other replica (no longer under load)
      const t1 = performance.now();
      await Promise.all(lagPolls);
      return [result, seconds, (performance.now() - t1) / 1000] as const;
    },
  );
  const loadCpu = cpuOf().map((c, i) => (c ?? NaN) - (cpu0[i] ?? NaN));
  const loadTo = Date.now();
  if (profiled && PROFILE) {
    profiled.kill('SIGUSR2');
    const until = Date.now() + 60_000;
    while (!existsSync(PROFILE) && Date.now() < until) await sleep(200);
  }

  // (4) idle again: the machine's other jobs change its idle state during a long run
  process.stdout.write(`  idle again: the catalog probe alone, ${IDLE_S} s\n`);
  const afterFrom = Date.now();
  const [after, afterLoad] = await withLoad(async () => {
    const probes = replicas.map((r, i) =>
      startProbe(r.base, tokens[i], probeOptions),
    );
    await sleep(IDLE_S * 1000);
    return Promise.all(probes.map(p => p.stop()));
  });
  const afterTo = Date.now();

  // report
  const out: string[] = [''];
  const load = (l: { mean: number; max: number }) =>
    `load average (1 min) mean ${l.mean.toFixed(2)}, max ${l.max.toFixed(2)}`;
  out.push(
    `${N} entities, ${findings.length} findings, ${
      stopWriting
        ? `${[...statuses.values()].reduce(
            (a, b) => a + b,
            0,
          )} decisions (of ${DECISIONS}: SIGUSR2)`
        : `${DECISIONS} decisions`
    }, ${WRITERS}; probe ${PROBE_RATE} req/s per replica (open loop); 2 replicas, PostgreSQL${
      FLOOR
        ? '\nFLOOR: the writes went to a bare knex insert of the same row (POST /api/benchfloor/decisions), not to the plugin'
        : ''
    }`,
    '',
    `catalog GET /api/catalog/entities/by-name/... ${'p50'.padStart(
      10,
    )}${'p99'.padStart(10)}${'max'.padStart(
      10,
    )}  requests  non-2xx/errors/dropped`,
  );
  const p99s: number[][] = [[], []];
  const p50s: number[][] = [[], []];
  const row = (label: string, r: ProbeResult, phase: number, i: number) => {
    const s = sortedOf(r.latencies);
    p99s[i][phase] = at(s, 0.99);
    p50s[i][phase] = at(s, 0.5);
    const non2xx = Object.entries(r.statuses)
      .filter(([k]) => !k.startsWith('2'))
      .reduce((a, [, v]) => a + v, 0);
    out.push(
      `  ${label.padEnd(44)}${ms(at(s, 0.5))}${ms(at(s, 0.99))}${ms(
        s[s.length - 1],
      )}${String(s.length).padStart(10)}  ${non2xx}/${r.errors}/${r.dropped}`,
    );
  };
  for (const i of [0, 1]) {
    row(`replica ${names[i]}, idle`, idle[i], 0, i);
    row(`replica ${names[i]}, during the writes`, during[i], 1, i);
    row(`replica ${names[i]}, idle again after them`, after[i], 2, i);
  }
  out.push(
    `  idle: ${load(idleLoad)}; CPU of A ${idleCpu[0].toFixed(
      1,
    )} s, B ${idleCpu[1].toFixed(1)} s in ${IDLE_S} s`,
    `  idle again: ${load(afterLoad)}`,
  );
  const phases = [
    ['idle', idleFrom, idleTo],
    ['during', loadFrom, loadTo],
    ['after', afterFrom, afterTo],
  ] as const;
  out.push(...quickCheckReport(replicas, names, phases, [idle, during, after]));
  const written = [...statuses.values()].reduce((a, b) => a + b, 0);
  out.push(
    '',
    `writes: ${written} in ${writeSeconds.toFixed(1)} s = ${(
      written / writeSeconds
    ).toFixed(0)}/s${
      RATE
        ? ` (asked ${RATE}/s; ${lateWrites} sent late: ${RATE_MAX_IN_FLIGHT} in flight)`
        : ''
    }; statuses ${count(statuses)}`,
  );
  for (const [status, body] of firstError)
    out.push(`  first ${status}: ${body}`);
  out.push(
    `  sent again after a 503 (write queue full, or the event loop held: maxEventLoopDelay; latency counted from the first try): A ${retried[0]}, B ${retried[1]}`,
  );
  for (const i of [0, 1]) {
    const s = sortedOf(writeLatencies[i]);
    out.push(
      `  through ${names[i]}: p50 ${ms(at(s, 0.5)).trim()}, p99 ${ms(
        at(s, 0.99),
      ).trim()}, max ${ms(s[s.length - 1]).trim()}`,
    );
  }
  out.push(
    `  during: ${load(loadLoad)}; CPU of A ${loadCpu[0].toFixed(
      1,
    )} s, B ${loadCpu[1].toFixed(1)} s in ${writeSeconds.toFixed(0)} s (${(
      ((loadCpu[0] + loadCpu[1]) * 1000) /
      written
    ).toFixed(
      1,
    )} ms of the replicas' CPU per write, the probe's included, and the lag polls': ${(
      lags.reduce((a, l) => a + l.pollMs.length, 0) / written
    ).toFixed(2)} GET /findings/{id} per write)`,
  );
  if (PROFILE)
    out.push(
      `  replica ${names[PROFILE_REPLICA]} ran under the profiler: ${PROFILE} (yarn bench:summary)`,
    );
  const lagSorted = sortedOf(lags.map(l => l.lagMs));
  const lagMax = lagSorted[lagSorted.length - 1];
  const lagLine = (list: LagSample[]) => {
    const x = sortedOf(list.map(l => l.lagMs));
    return `median ${secs(at(x, 0.5))}, p95 ${secs(at(x, 0.95))}, max ${secs(
      x[x.length - 1],
    )}; over 3 s: ${list.filter(l => l.lagMs > TARGET.lagMs).length}`;
  };
  const polls = sortedOf(lags.flatMap(l => l.pollMs));
  out.push(
    '',
    `replica lag (write answered on one replica → in the other's view), ${lags.length} samples (${skippedLags} skipped: ${LAG_PENDING} pending), poll every ${LAG_POLL_MS} ms:`,
    `  ${lagLine(lags)}; the last samples took ${lagWaitSeconds.toFixed(
      1,
    )} s after the writes`,
  );
  for (const from of [0, 1]) {
    const list = lags.filter(l => l.from === from);
    if (list.length)
      out.push(`  ${names[from]} → ${names[1 - from]}: ${lagLine(list)}`);
  }
  out.push(
    `  the polls' answers (GET /findings/{id} of the other replica): median ${ms(
      at(polls, 0.5),
    ).trim()}, p95 ${ms(at(polls, 0.95)).trim()}, max ${ms(
      polls[polls.length - 1],
    ).trim()}`,
  );
  out.push(
    ...syncReport(
      replicas,
      lags.filter(l => l.lagMs < LAG_GIVE_UP_MS),
      loadFrom,
    ),
  );
  out.push(...pollingReport(replicas, names, phases));
  out.push(...loopDelayReport(replicas, names, phases));
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  out.push(
    '',
    'target                                        measured    result',
  );
  // the idle baseline: the quieter of the two idle phases (a stall of the machine sets a p99)
  for (const i of [0, 1]) {
    const ratio = p99s[i][1] / Math.min(p99s[i][0], p99s[i][2]);
    out.push(
      `  catalog p99 during <= 2x idle, replica ${names[i]}  ${`${ratio.toFixed(
        2,
      )}x`.padStart(9)}    ${verdict(ratio <= TARGET.p99Ratio)}`,
    );
  }
  out.push(
    `  replica lag <= 3 s (max)                   ${secs(lagMax).padStart(
      9,
    )}    ${FLOOR ? 'n/a (--floor)' : verdict(lagMax <= TARGET.lagMs)}`,
    `  (not a target: the catalog's p50 during the writes, A ${(
      p50s[0][1] / Math.min(p50s[0][0], p50s[0][2])
    ).toFixed(1)}x, B ${(p50s[1][1] / Math.min(p50s[1][0], p50s[1][2])).toFixed(
      1,
    )}x its idle p50)`,
    '',
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
