/*
 * Load benchmark: GET /api/contracts/entities/... beside the catalog's by-name endpoint, on one
 * in-process backend (real catalog plugin, SQLite in memory) with a generated 10k-entity catalog.
 *   yarn bench [--entities 10000] [--connections 64] [--duration 15] [--profile out.cpuprofile]
 * Prints p50/p95/p99 latency and requests/s of both, and how they compare with the target.
 */
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { Worker } from 'node:worker_threads';
import contractsPlugin from '../src';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('entities', 10000);
const CONNECTIONS = arg('connections', 64);
const DURATION = arg('duration', 15);
const PROFILE = (() => {
  const i = process.argv.indexOf('--profile');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
/** The issue's target: our p95, and our throughput and p95 against the catalog's. */
const TARGET = { p95Ms: 25, rpsRatio: 4, p95Ratio: 0.25 };

function generate(n: number): Entity[] {
  const out: Entity[] = [];
  for (let i = 0; i < n; i++) {
    const callee = `svc-${(i + 1) % n}`;
    out.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: `svc-${i}`,
        namespace: 'default',
        annotations: {
          'backstage.io/managed-by-location': 'url:https://example.com/bench',
          'backstage.io/managed-by-origin-location': 'url:https://example.com/bench',
          'contracts.io/spec': [
            `service: svc-${i}`,
            'provides:',
            '  - operation: op',
            `    latency: { current: "p50=${20 + (i % 50)}ms, p95=${100 + (i % 300)}ms" }`,
            'depends_on:',
            `  - service: ${callee}`,
            '    operation: op',
            `    latency_budget: { acceptable: p95 < ${150 + (i % 200)}ms }`,
            '',
          ].join('\n'),
        },
      },
      spec: { type: 'service', lifecycle: 'production', owner: `group:default/team-${i % 50}` },
    });
  }
  return out;
}

const providerModule = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'bench-entities',
  register(reg) {
    reg.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        catalog.addEntityProvider({
          getProviderName: () => 'bench',
          async connect(connection) {
            await connection.applyMutation({
              type: 'full',
              entities: generate(N).map(entity => ({
                entity,
                locationKey: 'bench',
              })),
            });
          },
        });
      },
    });
  },
});

/**
 * The load generator runs in a worker thread: on its own event loop, as a real client would be,
 * so its CPU does not queue in front of the server's. Latencies are collected per response and
 * the percentiles computed exactly (autocannon's summary has no p95).
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { url, token, connections, duration, n } = workerData;
let i = 0;
const latencies = [];
const instance = autocannon({
  url, connections, duration,
  headers: { authorization: 'Bearer ' + token },
  requests: [{ setupRequest: req => ({ ...req, path: req.path.replace('svc-N', 'svc-' + (i++ % n)) }) }],
}, (err, result) => {
  if (err) throw err;
  parentPort.postMessage({ latencies: Float64Array.from(latencies),
    seconds: (result.finish - result.start) / 1000, non2xx: result.non2xx, errors: result.errors, bytes: result.throughput.average });
});
instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
`;

interface RunResult {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  non2xx: number;
  errors: number;
}

async function run(url: string, token: string): Promise<RunResult> {
  const worker = new Worker(CLIENT, {
    eval: true,
    workerData: {
      autocannon: require.resolve('autocannon'),
      url,
      token,
      connections: CONNECTIONS,
      duration: DURATION,
      n: N,
    },
  });
  const out: any = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const sorted = (out.latencies as Float64Array).sort();
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    rps: sorted.length / out.seconds,
    non2xx: out.non2xx,
    errors: out.errors,
  };
}

/** With `--profile FILE`: a CPU profile of this process (the backend) while `fn` runs. */
async function profiled<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

async function main() {
  const { server } = await startTestBackend({
    features: [
      catalogPlugin,
      providerModule,
      contractsPlugin,
      mockServices.rootConfig.factory({
        data: {
          catalog: { processingInterval: { seconds: 100000 } },
          contracts: { refreshIntervalSeconds: 3 },
        },
      }),
      mockServices.permissions.factory({ result: 'ALLOW' as any }),
    ],
  });
  const address = server.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const token = mockCredentials.user.token('user:default/guest');
  const headers = { authorization: `Bearer ${token}` };
  // wait until the catalog has processed every entity and the contracts graph has them
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${base}/api/contracts/findings?limit=1`, { headers });
    const body: any = await res.json();
    const last = await fetch(`${base}/api/contracts/entities/component/default/svc-${N - 1}`, { headers });
    if (body.summary?.entities >= N && last.ok) break;
    if (Date.now() - started > 30 * 60_000) throw new Error('catalog never finished');
    process.stdout.write(`  waiting: ${body.summary?.entities ?? 0}/${N} entities in the graph (${Math.round((Date.now() - started) / 1000)}s)\n`);
    await new Promise(r => setTimeout(r, 5000));
  }
  await new Promise(r => setTimeout(r, 4000));
  const sample = async (path: string) =>
    (await (await fetch(`${base}${path}`, { headers })).text()).length;
  process.stdout.write(
    `  response sizes: contracts ${await sample('/api/contracts/entities/component/default/svc-1')} B, catalog ${await sample('/api/catalog/entities/by-name/component/default/svc-1')} B\n`,
  );
  if (process.env.BENCH_DUMP) {
    process.stdout.write(`${await (await fetch(`${base}/api/contracts/entities/component/default/svc-1`, { headers })).text()}\n`);
  }
  const contracts = await profiled(PROFILE, () =>
    run(`${base}/api/contracts/entities/component/default/svc-N`, token),
  );
  const catalog = await run(
    `${base}/api/catalog/entities/by-name/component/default/svc-N`,
    token,
  );
  const ms = (v: number) => `${v.toFixed(1)} ms`.padStart(9);
  const row = (name: string, r: RunResult) =>
    `${name.padEnd(36)}${ms(r.p50)}${ms(r.p95)}${ms(r.p99)}${r.rps.toFixed(0).padStart(9)}   ${r.non2xx}/${r.errors}`;
  const rpsRatio = contracts.rps / catalog.rps;
  const p95Ratio = contracts.p95 / catalog.p95;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  process.stdout.write(
    [
      '',
      `${N} entities, ${CONNECTIONS} connections, ${DURATION}s per endpoint, loopback, client in a worker thread`,
      `${'endpoint'.padEnd(36)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'p99'.padStart(9)}${'req/s'.padStart(9)}   non2xx/errors`,
      row('GET /api/contracts/entities/...', contracts),
      row('GET /api/catalog/entities/by-name/...', catalog),
      '',
      `target                                   measured       result`,
      `contracts p95 <= ${TARGET.p95Ms} ms                  ${ms(contracts.p95)}      ${verdict(contracts.p95 <= TARGET.p95Ms)}`,
      `req/s >= ${TARGET.rpsRatio}x the catalog's             ${`${rpsRatio.toFixed(1)}x`.padStart(9)}      ${verdict(rpsRatio >= TARGET.rpsRatio)}`,
      `p95 <= ${TARGET.p95Ratio} of the catalog's            ${p95Ratio.toFixed(2).padStart(9)}      ${verdict(p95Ratio <= TARGET.p95Ratio)}`,
      '',
    ].join('\n'),
  );
  process.exit(0);
}

main().catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
