/*
 * What an analysis costs at least, beside what the engine costs, on the benchmark's catalogs:
 *
 *   yarn bench:floor               # 100k entities (parses first: ≈ 15–25 s)
 *   yarn bench:floor 100000 --cache  # the contracts a `yarn bench 100000 --cache` run saved
 *
 * Per run it prints:
 * - output floor: the part of the result every analysis must build, with no rule and no
 *   resolution beyond one map lookup per ref: each contract's edges (calls, dataset reads, data
 *   needs) with their ids (the engine's `edgeId`), the edges sorted in graph order, the nodes
 *   sorted by ref;
 * - three direct checks: the least any rule pass costs beside that floor — one map lookup per
 *   ref, and the three one-hop comparisons of latency-budget (budget vs the provider's current
 *   latency at that percentile), data-freshness (required vs the provider's freshness) and
 *   access-policy (an endpoint carrying the data, open to the consumer), counting the
 *   violations without any finding, message, fingerprint, chain walk or incremental state;
 * - engine, no rules: `analyze` with `rules: []` (loading, resolving every ref, edges, nodes);
 * - engine, three rules: `analyze` with only the rules of the three direct checks
 *   (latency-budget, data-freshness, access-policy): the engine beside "floor + checks" on the
 *   same work, findings and messages included (the checks only count);
 * - engine, all rules: `analyze` as the benchmark runs it (eighteen rules: the floor has no
 *   counterpart for the other fifteen, chain walks among them);
 * - copy of the edges: `slice()` of the result's edge array, which the result after an edit that
 *   changes an edge's findings needs (a result's arrays never change afterwards).
 *
 * Last, the median of each column over the runs and of the ratios, and the three-rule ratio in
 * CPU time (the process's, garbage collector threads included: on a busy shared machine it does
 * not count the time waited for a core, which the wall-clock figures do). No forced collection
 * before each part: a `gc()` there shrinks the young generation, and the engine's first run
 * after it took twice as long (252 instead of 114 ms without rules) while the floor did not.
 */
/* eslint-disable no-console */
import { existsSync, readFileSync } from 'fs';
import { loadavg } from 'os';
import { generate } from './bench';
import { parseEntityContract } from '../src/parser';
import {
  accessPolicyRule,
  analyze,
  dataFreshnessRule,
  latencyBudgetRule,
} from '../src/engine';
import type { GraphEdge } from '../src/engine';
import { edgeId } from '../src/engine/graph';
import type { EntityContract } from '../src/types';

type FloorEdge = GraphEdge;

function cmp(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/** The edges and nodes of the result, built as cheaply as plain code can: see the header. */
function outputFloor(
  entities: ReturnType<typeof generate>['entities'],
  contracts: EntityContract[],
) {
  const byRef = new Map<string, string>();
  for (const e of entities) byRef.set(e.ref, e.ref);
  const hasContract = new Set<string>();
  const edges: FloorEdge[] = [];
  const add = (
    from: string,
    kind: FloorEdge['kind'],
    ref: string,
    subject: string,
  ) => {
    const to = byRef.get(ref) ?? ref;
    edges.push({
      id: edgeId(kind, from, to, subject),
      from,
      to,
      kind,
      subject,
      findings: [],
    });
  };
  for (const c of contracts) {
    const from = c.entityRef;
    hasContract.add(from);
    for (const d of c.dependsOn) add(from, 'call', d.ref, d.operation ?? '*');
    for (const d of c.dataDependencies) add(from, 'dataset', d.ref, d.dataset);
    for (const ds of c.datasets) {
      for (const s of ds.derivedFrom) add(from, 'dataset', s.ref, s.dataset);
    }
    for (const r of c.requires) add(from, 'data-need', r.ref, r.data);
  }
  edges.sort(
    (a, b) =>
      cmp(a.from, b.from) ||
      cmp(a.to, b.to) ||
      cmp(a.kind, b.kind) ||
      cmp(a.subject, b.subject) ||
      cmp(a.id, b.id),
  );
  const nodes = entities
    .map(e => ({
      ref: e.ref,
      kind: e.kind,
      name: e.name,
      hasContract: hasContract.has(e.ref),
      owner: e.owner,
    }))
    .sort((a, b) => cmp(a.ref, b.ref));
  return { edges, nodes };
}

/**
 * The three one-hop checks, as cheaply as plain code can run them (see the header): what any
 * rule pass costs at least, on top of {@link outputFloor}. Returns the violations counted.
 */
function directChecks(
  entities: ReturnType<typeof generate>['entities'],
  contracts: EntityContract[],
): number {
  const contractOf = new Map<string, EntityContract>();
  for (const c of contracts) contractOf.set(c.entityRef, c);
  let violations = 0;
  // Plain loops, no callback or array made per item.
  for (const e of entities) {
    const c = contractOf.get(e.ref);
    if (!c) continue;
    for (const d of c.dependsOn) {
      const ops = contractOf.get(d.ref)?.operations ?? [];
      for (const op of ops) {
        if (op.name !== d.operation) continue;
        for (const b of d.budget) {
          for (const at of op.current) {
            if (at.percentile === b.percentile && at.ms >= b.ms) violations++;
          }
        }
      }
    }
    for (const dd of c.dataDependencies) {
      const datasets = contractOf.get(dd.ref)?.datasets ?? [];
      for (const ds of datasets) {
        const worst = ds.name === dd.dataset ? ds.freshness?.maxMs : undefined;
        if (worst !== undefined && worst > dd.freshnessRequiredMs) violations++;
      }
    }
    for (const r of c.requires) {
      let carried = false;
      let open = false;
      for (const x of contractOf.get(r.ref)?.endpoints ?? []) {
        if (!x.data.includes(r.data)) continue;
        carried = true;
        if (!x.access || x.access === 'any' || x.access === r.accessLevel) {
          open = true;
        }
      }
      if (carried && !open) violations++;
    }
  }
  return violations;
}

/** CPU milliseconds of the last {@link time}d part. */
let lastCpuMs = 0;

function time<T>(f: () => T): [T, number] {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = f();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  lastCpuMs = (cpu.user + cpu.system) / 1000;
  return [out, wall];
}

function main() {
  const args = process.argv.slice(2).filter(a => !a.startsWith('--'));
  const n = Number(args[0] ?? 100_000);
  const runs = Number(args[1] ?? 3);
  const cacheFile = `/tmp/contracts-bench-${n}.json`;
  const { entities, yaml } = generate(n);
  let contracts: EntityContract[];
  if (process.argv.includes('--cache') && existsSync(cacheFile)) {
    contracts = JSON.parse(readFileSync(cacheFile, 'utf8'));
  } else {
    contracts = entities.map(
      (e, i) =>
        parseEntityContract(e.ref, [
          { file: 'contracts/contract.yaml', text: yaml[i] },
        ]).contract,
    );
  }
  yaml.length = 0;
  const ms = (t: number) => `${Math.round(t)} ms`;
  console.log(
    '| run | output floor (edges, ids, sort, nodes) | three direct checks | floor + checks | engine, no rules | engine, three rules (÷ floor + checks) | engine, all rules (÷ floor + checks) | copy of the edges |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  const columns: Record<string, number[]> = {
    fc: [],
    none: [],
    three: [],
    all: [],
    threeRatio: [],
    allRatio: [],
    threeCpuRatio: [],
  };
  for (let run = 1; run <= runs; run++) {
    const [floor, floorMs] = time(() => outputFloor(entities, contracts));
    const floorCpu = lastCpuMs;
    const [violations, checksMs] = time(() =>
      directChecks(entities, contracts),
    );
    const checksCpu = lastCpuMs;
    const [bare, bareMs] = time(() =>
      analyze({ entities, contracts, rules: [] }),
    );
    const [, threeMs] = time(() =>
      analyze({
        entities,
        contracts,
        rules: [latencyBudgetRule, dataFreshnessRule, accessPolicyRule],
      }),
    );
    columns.threeCpuRatio.push(lastCpuMs / (floorCpu + checksCpu));
    const [, allMs] = time(() => analyze({ entities, contracts }));
    const [, copyMs] = time(() => bare.graph.edges.slice());
    const fcMs = floorMs + checksMs;
    columns.fc.push(fcMs);
    columns.none.push(bareMs);
    columns.three.push(threeMs);
    columns.all.push(allMs);
    columns.threeRatio.push(threeMs / fcMs);
    columns.allRatio.push(allMs / fcMs);
    // The engine drops duplicate edges of a contract and edges to nothing: a few fewer.
    if (Math.abs(floor.edges.length - bare.graph.edges.length) > n / 100) {
      throw new Error(
        `the floor built ${floor.edges.length} edges, the engine ${bare.graph.edges.length}`,
      );
    }
    console.log(
      `| ${run} | ${ms(floorMs)} (${floor.edges.length} edges) | ${ms(
        checksMs,
      )} (${violations} violations) | ${ms(floorMs + checksMs)} | ${ms(
        bareMs,
      )} | ${ms(threeMs)} (${(threeMs / (floorMs + checksMs)).toFixed(
        1,
      )}×) | ${ms(allMs)} (${(allMs / (floorMs + checksMs)).toFixed(
        1,
      )}×) | ${ms(copyMs)} |`,
    );
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2
      ? sorted[mid]
      : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  console.log(
    `| median | | | ${ms(median(columns.fc))} | ${ms(
      median(columns.none),
    )} | ${ms(median(columns.three))} (${median(columns.threeRatio).toFixed(
      2,
    )}×; target ≤ 2×) | ${ms(median(columns.all))} (${median(
      columns.allRatio,
    ).toFixed(1)}×) | |`,
  );
  console.log(
    `\nthree rules ÷ floor + checks, median: ${median(
      columns.threeRatio,
    ).toFixed(2)}× wall clock, ${median(columns.threeCpuRatio).toFixed(
      2,
    )}× CPU time (target ≤ 2×)`,
  );
  console.log(
    `\n${n} entities; load average (1/5/15 min): ${loadavg()
      .map(l => l.toFixed(2))
      .join(' / ')}`,
  );
}

main();
