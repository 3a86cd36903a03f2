/*
 * Load benchmark of issue 6: GET /api/contracts/entities/{kind}/{namespace}/{name} beside the
 * catalog's GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}, in the same run, on the
 * same backend, with the same client and the same token.
 *
 *   yarn bench [--entities 10000] [--connections 64] [--duration 15] [--rounds 3]
 *              [--floor] [--can-accept] [--profile out.cpuprofile [--profile-target contracts]]
 *
 * What is measured
 * - The backend is the portal's own: packages/backend/src/index.ts, unmodified, started the way
 *   `yarn start` (scripts/run.sh) starts it — node with Backstage's node transform — in its own
 *   process, NODE_ENV=production, with app-config.yaml and an overlay that only changes where it
 *   listens, puts SQLite in memory, and adds a generated catalog file of N components (each with a
 *   contract naming the next one) beside the example organisation. So both endpoints pass through
 *   the same real root middleware (helmet, CORS, compression, one log line per request to stdout,
 *   which goes to a file), the same per-plugin router (rate limit, credentials barrier) and the
 *   same real token authentication: the guest's user token, got from the guest provider as the
 *   sign-in page gets it, verified (ES256, the auth backend's JWKS) on every request.
 * - The catalog's by-name read asks the permission framework (permission.enabled: true) with the
 *   repository's real policy (packages/backend/src/modules/permissionPolicy.ts) on every request,
 *   as Backstage does; the contracts endpoint serves the precomputed graph: reading it needs a
 *   token but no permission (only `include=canAccept` asks the permission framework).
 * - The client is autocannon on loopback, keep-alive, in a worker thread of this process (the
 *   backend is another process). Both endpoints get the same headers, those a browser's fetch
 *   sends: Authorization, Accept: application/json, Accept-Encoding: gzip, deflate, br. No
 *   conditional requests (no If-None-Match) and no client-side cache: every request is a full
 *   200 response. Entities are asked round-robin over all N (svc-0, svc-1, …), the same sequence
 *   for both endpoints.
 * - Each endpoint gets a warm-up first (not counted): every entity asked once (N requests), so
 *   that both are measured in their steady state (the contracts endpoint builds an entity's body
 *   at its first request, and again in the background after each graph change; the catalog's
 *   database pages are all read). Then `--rounds` rounds of one run of each, alternating. Latency percentiles are exact (every response's latency is kept); the
 *   verdict is on the median round by contracts p95 (of an even number of rounds, the worse of
 *   the middle two). The load average of the machine is printed with every run: other processes
 *   compete for the same cores.
 * - `--floor` adds a run of GET /api/contracts/health to each round: the same middleware, the
 *   same headers, but no route work and no token verification (the route is unauthenticated) —
 *   what the framework alone costs, the ceiling of any endpoint of this backend.
 * - `--can-accept` adds a run of GET /api/contracts/entities/...?include=canAccept to each round:
 *   what the portal's entity card asks (the body with, per finding, whether the caller may accept
 *   it: one conditional authorization through the permission framework per request).
 * - `--profile FILE` writes a CPU profile of the backend process during an extra run before the
 *   rounds (not counted: profiling slows the backend) of `--profile-target`: contracts (the
 *   default), catalog, can-accept or floor. A small hook, scripts/bench-profile-hook.cjs, is
 *   preloaded into the backend for that.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  freePort,
  generateYaml,
  HEADERS,
  sleep,
  startBackend,
  waitForGraph,
} from './benchBackend';
import { type RunResult, runLoad } from './benchHttp';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('entities', 10000);
const CONNECTIONS = arg('connections', 64);
const DURATION = arg('duration', 15);
const ROUNDS = arg('rounds', 3);
const FLOOR = process.argv.includes('--floor');
const CAN_ACCEPT = process.argv.includes('--can-accept');
const PROFILE_TARGET = (() => {
  const i = process.argv.indexOf('--profile-target');
  return i > 0 ? process.argv[i + 1] : 'contracts';
})();
const PROFILE = (() => {
  const i = process.argv.indexOf('--profile');
  return i > 0 ? resolve(process.argv[i + 1]) : undefined;
})();
/** The issue's target: our p95, and our throughput and p95 against the catalog's. */
const TARGET = { p95Ms: 25, rpsRatio: 4, p95Ratio: 0.25 };

async function run(
  url: string,
  token: string,
  duration: number,
  /** A number of requests instead of a duration. */
  amount?: number,
): Promise<RunResult> {
  return runLoad({
    url,
    token,
    connections: CONNECTIONS,
    duration,
    amount,
    n: N,
  });
}

/** With `--profile`: a CPU profile of the backend (SIGUSR2 starts it, the next writes it). */
async function profiled<T>(
  child: ChildProcess,
  fn: () => Promise<T>,
): Promise<T> {
  if (!PROFILE) return fn();
  rmSync(PROFILE, { force: true });
  child.kill('SIGUSR2');
  try {
    return await fn();
  } finally {
    child.kill('SIGUSR2');
    const until = Date.now() + 60_000;
    while (!existsSync(PROFILE) && Date.now() < until) await sleep(200);
    process.stdout.write(`  profile of the backend: ${PROFILE}\n`);
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'contracts-bench-'));
  const port = await freePort();
  const logFile = join(dir, 'backend.log');
  const catalogFile = join(dir, 'catalog.yaml');
  writeFileSync(catalogFile, generateYaml(N));
  // the backend never outlives the bench: SIGTERM, then SIGKILL if it has not stopped in 10s
  const backend = startBackend({
    dir,
    port,
    logFile,
    catalogFile,
    profileFile: PROFILE,
  });
  const { child, base, stop } = backend;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
  process.stdout.write(
    `  backend: packages/backend on ${base}, log ${logFile}\n`,
  );

  // sign in as the guest, as the portal's sign-in page does
  const started = Date.now();
  const token = await backend.signIn();
  const headers = { ...HEADERS, authorization: `Bearer ${token}` };
  // wait until the catalog has processed every entity and the contracts graph has them
  await waitForGraph(backend, token, N, started);
  const contractsUrl = `${base}/api/contracts/entities/component/default/svc-N`;
  const catalogUrl = `${base}/api/catalog/entities/by-name/component/default/svc-N`;
  const sample = async (url: string) => {
    const res = await fetch(url.replace('svc-N', 'svc-1'), { headers });
    const encoding = res.headers.get('content-encoding') ?? 'identity';
    const length = (await res.arrayBuffer()).byteLength;
    return `${length} B decoded (${encoding} on the wire)`;
  };
  process.stdout.write(
    `  response sizes: contracts ${await sample(
      contractsUrl,
    )}, catalog ${await sample(catalogUrl)}\n`,
  );
  process.stdout.write(`  warm-up: ${N} requests each (every entity once)\n`);
  await run(contractsUrl, token, 0, N);
  await run(catalogUrl, token, 0, N);

  const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
  const row = (name: string, r: RunResult) =>
    `${name.padEnd(38)}${ms(r.p50)}${ms(r.p95)}${ms(r.p99)}${r.rps
      .toFixed(0)
      .padStart(8)}   ${r.non2xx}/${r.errors}   ${r.load
      .map(l => l.toFixed(2))
      .join(' ')}`;
  process.stdout.write(
    [
      '',
      `${N} entities, ${CONNECTIONS} connections, ${DURATION}s per run, loopback, real backend (packages/backend)`,
      `${'endpoint'.padEnd(38)}${'p50'.padStart(9)}${'p95'.padStart(
        9,
      )}${'p99'.padStart(9)}${'req/s'.padStart(8)}   non2xx/err   loadavg`,
      '',
    ].join('\n'),
  );
  if (PROFILE) {
    const targets: Record<string, string> = {
      contracts: contractsUrl,
      catalog: catalogUrl,
      'can-accept': `${contractsUrl}?include=canAccept`,
      floor: `${base}/api/contracts/health`,
    };
    const url = targets[PROFILE_TARGET];
    if (!url)
      throw new Error(
        `--profile-target: one of ${Object.keys(targets).join(', ')}`,
      );
    const profiledRun = await profiled(child, () => run(url, token, DURATION));
    process.stdout.write(
      `${row(`(profiled, not counted) ${PROFILE_TARGET}`, profiledRun)}\n`,
    );
  }

  const rounds: Array<{ contracts: RunResult; catalog: RunResult }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const contracts = await run(contractsUrl, token, DURATION);
    process.stdout.write(
      `${row(`#${r + 1} GET /api/contracts/entities/...`, contracts)}\n`,
    );
    const catalog = await run(catalogUrl, token, DURATION);
    process.stdout.write(
      `${row(`#${r + 1} GET /api/catalog/entities/by-name/...`, catalog)}\n`,
    );
    rounds.push({ contracts, catalog });
    if (CAN_ACCEPT) {
      const canAccept = await run(
        `${contractsUrl}?include=canAccept`,
        token,
        DURATION,
      );
      process.stdout.write(
        `${row(`#${r + 1} ...entities/...?include=canAccept`, canAccept)}\n`,
      );
    }
    if (FLOOR) {
      const floor = await run(`${base}/api/contracts/health`, token, DURATION);
      process.stdout.write(
        `${row(`#${r + 1} (floor) GET /api/contracts/health`, floor)}\n`,
      );
    }
  }
  // the median round by contracts p95; of an even number, the worse of the middle two
  const median = [...rounds].sort((a, b) => a.contracts.p95 - b.contracts.p95)[
    Math.floor(rounds.length / 2)
  ];
  const rpsRatio = median.contracts.rps / median.catalog.rps;
  const p95Ratio = median.contracts.p95 / median.catalog.p95;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  process.stdout.write(
    [
      '',
      `target (median round)                    measured       result`,
      `contracts p95 <= ${TARGET.p95Ms} ms                  ${ms(
        median.contracts.p95,
      )}      ${verdict(median.contracts.p95 <= TARGET.p95Ms)}`,
      `req/s >= ${
        TARGET.rpsRatio
      }x the catalog's             ${`${rpsRatio.toFixed(1)}x`.padStart(
        9,
      )}      ${verdict(rpsRatio >= TARGET.rpsRatio)}`,
      `p95 <= ${TARGET.p95Ratio} of the catalog's            ${p95Ratio
        .toFixed(2)
        .padStart(9)}      ${verdict(p95Ratio <= TARGET.p95Ratio)}`,
      '',
    ].join('\n'),
  );
  await stop();
  process.exit(0);
}

main().catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
