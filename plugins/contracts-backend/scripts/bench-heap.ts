/*
 * What the served snapshot costs the host's heap: the main thread's heap used and the time of a
 * forced full (old-generation) GC while the service holds the snapshot of a generated catalog,
 * beside the same with no snapshot held. A major GC's pause grows with the live objects it
 * marks: the difference is what the snapshot adds to each of the host's major GCs.
 *
 *   node --expose-gc --import tsx scripts/bench-heap.ts [--entities 100000] [--gcs 5]
 *
 * (The catalog's entities are dropped once read, so that only what the
 * service keeps is on the heap.)
 */
/* eslint-disable no-console */
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import { loadavg } from 'node:os';
import { queryObjects } from 'node:v8';
import { serviceAuth, silentLogger } from './benchStubs';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import { pagedCatalog } from '../src/__testUtils__/pagedCatalog';
import {
  ContractsGraphService,
  type GraphSnapshot,
} from '../src/services/ContractsGraphService';
import { GraphItems } from '../src/services/analysis/graphItems';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('entities', 100000);
const GCS = arg('gcs', 5);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const logger = silentLogger;
const auth = serviceAuth;

/** Heap used after a full GC, and the median and max of `GCS` forced full GCs. */
function measure() {
  gc!();
  const times: number[] = [];
  for (let i = 0; i < GCS; i++) {
    const t = performance.now();
    gc!();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return {
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
    // (objects whose prototypes lead to Object's — strings are not among them)
    objects: queryObjects(Object, { format: 'count' }),
    median: times[Math.floor(times.length / 2)],
    max: times[times.length - 1],
  };
}

function countsOf(service: ContractsGraphService) {
  const s = service.snapshot();
  return `${s.entities.size} entities, ${s.items.findings.length} findings, ${s.items.nodes.length} nodes, ${s.items.edges.length} edges`;
}

/**
 * `--breakdown`: the snapshot's findings, nodes and edges dropped (the entities kept), measured
 * again: what they hold.
 */
function dropItems(service: ContractsGraphService) {
  const s = service.snapshot() as { items: GraphSnapshot['items'] };
  s.items = GraphItems.empty();
  return [['without findings, nodes, edges', measure()]] as const;
}

/** What a request that reads every item first pays: each kind parsed (ms). */
function parseAll(service: ContractsGraphService) {
  const { items } = service.snapshot();
  const time = (rows: { all(): unknown[] }) => {
    const t = performance.now();
    rows.all();
    return Math.round(performance.now() - t);
  };
  return {
    findings: time(items.findings),
    nodes: time(items.nodes),
    edges: time(items.edges),
  };
}

async function main() {
  const entities = generatedEntities(N);
  let service: ContractsGraphService | undefined = new ContractsGraphService({
    catalog: pagedCatalog(entities),
    auth,
    logger,
    engineConfig: {},
    rules: defaultRules,
  });
  const started = performance.now();
  await service.refreshAll();
  const loadMs = performance.now() - started;
  // what the catalog would hold, not the service
  entities.length = 0;
  const counts = countsOf(service);
  const parseMs = parseAll(service);
  // (what was parsed is held through a WeakRef until this job ends: let it go)
  await new Promise(resolve => setImmediate(resolve));
  const held = measure();
  const breakdown = process.argv.includes('--breakdown')
    ? dropItems(service)
    : [];
  await service.close();
  service = undefined;
  const empty = measure();
  const f = (x: number) => x.toFixed(1);
  console.log(
    `served snapshot of ${N} generated entities (${counts}), loaded in ${Math.round(
      loadMs,
    )} ms; load average ${loadavg()
      .map(x => x.toFixed(2))
      .join(' / ')}`,
  );
  console.log(
    `every item parsed (a route that reads them all, once per snapshot and GC): findings ${parseMs.findings} ms, nodes ${parseMs.nodes} ms, edges ${parseMs.edges} ms`,
  );
  console.log(
    '| main thread | heap used | JS objects | full GC, median | full GC, max |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, m] of [
    ['snapshot held', held],
    ...breakdown,
    ['no snapshot', empty],
  ] as const) {
    console.log(
      `| ${name} | ${f(m.heapMB)} MB | ${m.objects} | ${f(m.median)} ms | ${f(
        m.max,
      )} ms |`,
    );
  }
  console.log(
    `| the snapshot's share | ${f(held.heapMB - empty.heapMB)} MB | ${
      held.objects - empty.objects
    } | ${f(held.median - empty.median)} ms | |`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
