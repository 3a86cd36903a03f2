/*
 * Load benchmark: GET /api/contracts/entities/... beside the catalog's by-name endpoint, on one
 * in-process backend (real catalog plugin, SQLite in memory) with a generated 10k-entity catalog.
 *   yarn bench [--entities 10000] [--connections 64] [--duration 15]
 * Prints p50/p95/p99 latency and requests/s of both.
 */
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import autocannon from 'autocannon';
import contractsPlugin from '../src';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('entities', 10000);
const CONNECTIONS = arg('connections', 64);
const DURATION = arg('duration', 15);

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

async function run(url: string, token: string) {
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { authorization: `Bearer ${token}` },
    requests: [
      {
        setupRequest: req => ({
          ...req,
          path: req.path!.replace('svc-N', `svc-${i++ % N}`),
        }),
      },
    ],
  });
  return {
    p50: result.latency.p50,
    p95: (result.latency as any).p95 ?? result.latency.p97_5,
    p99: result.latency.p99,
    rps: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
  };
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
  const contracts = await run(`${base}/api/contracts/entities/component/default/svc-N`, token);
  const catalog = await run(`${base}/api/catalog/entities/by-name/component/default/svc-N`, token);
  const row = (name: string, r: Awaited<ReturnType<typeof run>>) =>
    `${name.padEnd(34)} p50 ${String(r.p50).padStart(5)} ms  p95 ${String(r.p95).padStart(5)} ms  p99 ${String(r.p99).padStart(5)} ms  ${r.rps.toFixed(0).padStart(6)} req/s  non2xx ${r.non2xx} errors ${r.errors}`;
  process.stdout.write(
    `\n${N} entities, ${CONNECTIONS} connections, ${DURATION}s each, loopback\n${row('GET /api/contracts/entities/...', contracts)}\n${row('GET /api/catalog/entities/by-name', catalog)}\n` +
      `ratio: ${(contracts.rps / catalog.rps).toFixed(1)}x req/s, p95 ${(contracts.p95 / catalog.p95).toFixed(2)} of the catalog's\n`,
  );
  process.exit(0);
}

main().catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
