/*
 * Benchmark of the contract parser and the rule engine on synthetic catalogs.
 *
 *   yarn bench                    # 1k, 10k and 100k entities
 *   yarn bench 1000 20000         # chosen sizes
 *   yarn bench 100000 --cache     # parse once, then reuse /tmp/contracts-bench-<n>.json (no
 *                                 # parse figure): to iterate on the engine quickly
 *   yarn bench 100000 --memory    # live data per phase: texts, contracts, result, analyzer
 *                                 # (collects garbage between phases: not for the peak)
 *   yarn bench 100000 --heap 1400 # each size's process with a V8 heap limit of 1400 MB
 *                                 # (--max-old-space-size; 4096 otherwise): whether the work
 *                                 # fits a memory budget, and the peak it then reaches
 *
 * Each size runs in its own process (run with node --max-old-space-size=4096 through
 * NODE_OPTIONS for 100k) so its peak memory is its own. Per size it prints: the parse time
 * (YAML → normalized contracts), the analysis time (normalized contracts → findings), the peak
 * RSS and heap, the time to load an incremental analyzer, and the time to re-analyse after one
 * entity changes (median and worst of several edits, upsert + result()).
 */
/* eslint-disable no-console */
import { spawnSync } from 'child_process';
import { loadavg } from 'os';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { parseEntityContract } from '../src/parser';
import { analyze, createAnalyzer } from '../src/engine';
import type { AnalysisResult } from '../src/engine';
import type { EntityContract, EntitySummary } from '../src/types';

/** Deterministic random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const name = (i: number) => `svc-${String(i).padStart(6, '0')}`;

interface Synthetic {
  entities: EntitySummary[];
  yaml: string[];
}

const LAYERS = 6;

/**
 * A layered catalog of n services (think edge → domain → platform): each layer calls two
 * services of the next layer, so chains run through all layers; 3% of calls go back to a random
 * service of the same or an upper layer, so cycles form. Each service also derives its dataset
 * from a service of the next layer, reads one from there, and needs data from a random service:
 * about five contract edges each. Budgets, timeouts and freshness are set consistently per
 * layer; about 2% of values disagree, so there are findings.
 */
export function generate(n: number, seed = 42): Synthetic {
  const rand = rng(seed);
  const int = (k: number) => Math.floor(rand() * k);
  const bad = () => rand() < 0.02;
  const layerOf = (i: number) => Math.floor((i * LAYERS) / n);
  const start = (l: number) => Math.ceil((l * n) / LAYERS);
  const inLayer = (l: number) => start(l) + int(start(l + 1) - start(l));
  // Per layer: the slowest p95 and p99 it may declare, the timeout its callers use.
  const p95max: number[] = [];
  const timeout: number[] = [];
  for (let l = LAYERS - 1; l >= 0; l--) {
    p95max[l] = l === LAYERS - 1 ? 20 : 2 * p95max[l + 1] + 20;
    const below = l === LAYERS - 1 ? 0 : 3 * timeout[l + 1];
    timeout[l] = Math.max(below, 2 * p95max[l]) + 100;
  }
  const entities: EntitySummary[] = [];
  const yaml: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = layerOf(i);
    const leaf = l === LAYERS - 1;
    const next = leaf ? l : l + 1;
    const callee = () =>
      rand() < 0.03 ? int(Math.max(1, start(l + 1))) : inLayer(next);
    let calls = leaf ? [] : [callee(), callee()];
    calls = [...new Set(calls)].filter(t => t !== i);
    const derived = leaf ? inLayer(l) : inLayer(next);
    const reads = leaf ? inLayer(l) : inLayer(next);
    const needs = int(n);
    const p95 = p95max[l] - int(10);
    const p50 = Math.round(p95 / 3);
    const p99 = 2 * p95;
    const fresh = 10 * (LAYERS - l);
    const lines = [`service: ${name(i)}`];
    if (calls.length) {
      lines.push(
        'depends_on:',
        ...calls.flatMap(t => [
          `  - service: ${name(t)}`,
          '    operation: handle',
          '    latency_budget:',
          `      acceptable: p95 < ${bad() ? 5 : p95max[layerOf(t)] + 10}ms`,
          `      maximum: p99 < ${2 * p95max[layerOf(t)] + 50}ms`,
          `    timeout: ${bad() ? 10 : timeout[l]}ms`,
          '    retry: none',
        ]),
        'retry_policies:',
        `  - target: ${name(calls[0])}.handle`,
        '    on_timeout:',
        `      generates_new_request_id: ${bad() ? 'true' : 'false'}`,
        `    max_attempts: ${rand() < 0.1 ? 3 : 1}`,
      );
    }
    lines.push(
      'provides:',
      '  - operation: handle',
      '    latency:',
      `      current: p50=${p50}ms, p95=${p95}ms, p99=${p99}ms`,
      '  - dataset: events',
      '    via: event_stream',
      `    freshness: ${bad() ? 1 : fresh}s`,
      '    derived_from:',
      `      - source: ${name(derived)}`,
      '        dataset: events',
      '  - endpoint: /summary',
      '    returns: aggregate_only',
      '    data: [summary]',
      '  - endpoint: /detail',
      '    returns: full_breakdown',
      '    data: [detail]',
      `    access: ${bad() ? 'owners_only' : 'any'}`,
      '    pii: high',
      'data_dependencies:',
      `  - source: ${name(reads)}`,
      '    dataset: events',
      `    freshness_required: <${bad() ? 1 : fresh + 20}s`,
      '    reason: reporting',
      'operations:',
      '  - name: handle',
      '    idempotency_key: request_id',
      '    expects: stable_across_retries',
      '    window: 10m',
      'requires:',
      `  - from: ${name(needs)}`,
      '    data: detail',
      '    access_level: support',
      '    use_case: debugging',
      '',
    );
    yaml.push(lines.join('\n'));
    const deps = new Set(
      [...calls, reads, needs, derived]
        .filter(t => t !== i)
        .map(t => `component:default/${name(t)}`),
    );
    entities.push({
      ref: `component:default/${name(i)}`,
      kind: 'Component',
      namespace: 'default',
      name: name(i),
      owner: `group:default/team-${i % 500}`,
      system: `system:default/system-${i % 100}`,
      dependsOn: [...deps].filter(() => !bad()),
      dependencyOf: [],
    });
  }
  return { entities, yaml };
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const ms = (t: number | null) => {
  // A cached run has no parse figure (NaN, `null` once through JSON).
  if (t === null || Number.isNaN(t)) {
    return '–';
  }
  return `${t < 10 ? t.toFixed(2) : Math.round(t)} ms`;
};

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

/** Where `--cache` keeps the parsed contracts of a size (for iterating on the engine only). */
const cacheFile = (n: number) => `/tmp/contracts-bench-${n}.json`;

function parseAll(entities: EntitySummary[], yaml: string[]) {
  return entities.map((e, i) => {
    const { contract, problems } = parseEntityContract(e.ref, [
      { file: 'contracts/contract.yaml', text: yaml[i] },
    ]);
    if (problems.length) {
      throw new Error(`${e.ref}: ${problems[0].message}`);
    }
    return contract;
  });
}

function runSize(n: number, cache: boolean, split: boolean) {
  let peakHeap = 0;
  const memory: Record<string, number> = {};
  /** The process's peak RSS so far, at the end of each phase. */
  const peakRssBy: Record<string, number> = {};
  // `--memory`: collect garbage before each phase's sample, so the figures are live data (this
  // changes the peak: take the peak from a run without it).
  const gc = split ? (globalThis as { gc?: () => void }).gc : undefined;
  const sample = (phase?: string) => {
    if (phase) {
      gc?.();
    }
    const heap = process.memoryUsage().heapUsed;
    peakHeap = Math.max(peakHeap, heap);
    if (phase) {
      memory[phase] = heap;
      peakRssBy[phase] = process.resourceUsage().maxRSS * 1024;
    }
  };
  const { entities, yaml } = generate(n);
  sample('generated');
  let contracts: EntityContract[];
  let parseMs: number;
  if (cache && existsSync(cacheFile(n))) {
    // Not a parse figure: the contracts parsed by an earlier `--cache` run.
    yaml.length = 0;
    [contracts] = time(() => JSON.parse(readFileSync(cacheFile(n), 'utf8')));
    parseMs = NaN;
  } else {
    [contracts, parseMs] = time(() => parseAll(entities, yaml));
    if (cache) {
      writeFileSync(cacheFile(n), JSON.stringify(contracts));
    }
  }
  sample('parsed');
  // The texts are not needed any more: drop them before measuring the analysis.
  yaml.length = 0;
  sample('texts dropped');
  const analyzeStart = performance.now();
  // Dropped below: the result must not stay alive while the analyzer loads.
  let full: AnalysisResult | undefined = analyze({ entities, contracts });
  const analyzeMs = performance.now() - analyzeStart;
  sample('analysed');
  const edges = full.graph.edges.length;
  const fullKeys = full.findings.map(f => `${f.id}:${f.evidence}`);
  if (process.env.BENCH_DEBUG) {
    const byRule: Record<string, number> = {};
    for (const f of full.findings) {
      byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    }
    console.error(JSON.stringify(byRule));
    if (process.env.BENCH_DEBUG === 'exit') {
      process.exit(0);
    }
  }
  const counts: Record<string, number> = {};
  for (const f of full.findings) {
    counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  }

  const findingCount = full.findings.length;
  // Keep only what the comparison needs: the analyzer holds a state of its own.
  full = undefined;
  sample('result dropped');
  const analyzer = createAnalyzer({});
  const [, loadMs] = time(() => {
    entities.forEach((e, i) => analyzer.upsert(e, contracts[i]));
    return analyzer.result();
  });
  sample('analyzer loaded');
  // One-entity edits: a latency regression, then its revert, on entities across the catalog.
  const rand = rng(7);
  const updates: number[] = [];
  const edgeReads: number[] = [];
  for (let k = 0; k < 20; k++) {
    const i = Math.floor(rand() * n);
    const c = contracts[i];
    const slower: EntityContract = {
      ...c,
      operations: c.operations.map(o => ({
        ...o,
        current: o.current.map(l => ({ ...l, ms: l.ms * 50 })),
      })),
    };
    const [r1, t1] = time(() => {
      analyzer.upsert(entities[i], slower);
      return analyzer.result();
    });
    // A result's edges are made when first read: timed apart, as a reader of the graph pays it.
    const [, e1] = time(() => r1.graph.edges.length);
    const [r2, t2] = time(() => {
      analyzer.upsert(entities[i], c);
      return analyzer.result();
    });
    const [, e2] = time(() => r2.graph.edges.length);
    updates.push(t1, t2);
    edgeReads.push(e1, e2);
  }
  sample();
  updates.sort((a, b) => a - b);
  edgeReads.sort((a, b) => a - b);
  const incremental = analyzer.result();
  const same =
    incremental.findings.length === fullKeys.length &&
    incremental.findings.every(
      (f, i) => `${f.id}:${f.evidence}` === fullKeys[i],
    );
  const maxRss = process.resourceUsage().maxRSS * 1024;
  return {
    entities: n,
    edges,
    findings: findingCount,
    bySeverity: counts,
    parseMs,
    analyzeMs,
    loadMs,
    updateMedianMs: updates[Math.floor(updates.length / 2)],
    updateMaxMs: updates[updates.length - 1],
    edgeReadMedianMs: edgeReads[Math.floor(edgeReads.length / 2)],
    edgeReadMaxMs: edgeReads[edgeReads.length - 1],
    peakRss: maxRss,
    peakHeap,
    incrementalEqualsFull: same,
    memory,
    peakRssBy,
  };
}

function main() {
  const all = process.argv.slice(2);
  const cache = all.includes('--cache');
  const split = all.includes('--memory');
  const heapAt = all.indexOf('--heap');
  const heapMb = heapAt >= 0 ? Number(all[heapAt + 1]) : undefined;
  if (heapMb !== undefined && !(heapMb > 0)) {
    console.error('--heap takes a size in MB, e.g. --heap 1400');
    process.exit(2);
  }
  const args = all.filter(
    (a, i) =>
      a !== '--cache' &&
      a !== '--memory' &&
      a !== '--heap' &&
      (heapAt < 0 || i !== heapAt + 1),
  );
  if (args[0] === '--child' || args[0] === '--inline') {
    process.stdout.write(
      `${JSON.stringify(runSize(Number(args[1]), cache, split))}\n`,
    );
    return;
  }
  const sizes = args.length ? args.map(Number) : [1_000, 10_000, 100_000];
  const rows = [];
  for (const n of sizes) {
    const child = spawnSync(
      process.execPath,
      [
        ...process.execArgv.filter(
          a => heapMb === undefined || !a.startsWith('--max-old-space-size'),
        ),
        ...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]),
        ...(split ? ['--expose-gc'] : []),
        process.argv[1],
        '--child',
        String(n),
        ...(cache ? ['--cache'] : []),
        ...(split ? ['--memory'] : []),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20, env: process.env },
    );
    if (child.status !== 0) {
      console.error(child.stderr || child.stdout);
      process.exit(1);
    }
    const r = JSON.parse(child.stdout.trim().split('\n').pop()!);
    rows.push(r);
    console.error(`done ${n}`);
  }
  console.log(
    '| entities | contract edges | findings (e/w/t/i) | parse | analyse | analyse/parse | peak RSS | peak heap | analyzer load | 1-entity update (median / max) | then reading its edges (median / max) | incremental = full |',
  );
  console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const s = r.bySeverity;
    console.log(
      `| ${r.entities} | ${r.edges} | ${r.findings} (${s.error ?? 0}/${
        s.warning ?? 0
      }/${s.tradeoff ?? 0}/${s.info ?? 0}) | ${ms(r.parseMs)} | ${ms(
        r.analyzeMs,
      )} | ${
        r.parseMs === null ? '–' : (r.analyzeMs / r.parseMs).toFixed(2)
      } | ${mb(r.peakRss)} | ${mb(r.peakHeap)} | ${ms(r.loadMs)} | ${ms(
        r.updateMedianMs,
      )} / ${ms(r.updateMaxMs)} | ${ms(r.edgeReadMedianMs)} / ${ms(
        r.edgeReadMaxMs,
      )} | ${r.incrementalEqualsFull ? 'yes' : 'NO'} |`,
    );
  }
  console.log('');
  for (const r of rows) {
    const m = r.memory as Record<string, number>;
    if (split) {
      console.log(
        `live data, ${r.entities} entities: YAML texts ${mb(
          m.parsed - m['texts dropped'],
        )}, parsed contracts ${mb(
          m['texts dropped'] - (m.generated - (m.parsed - m['texts dropped'])),
        )}, analysis result ${mb(
          m.analysed - m['texts dropped'],
        )}, incremental analyzer state ${mb(
          m['analyzer loaded'] - m['result dropped'],
        )} (entities + texts before parsing: ${mb(m.generated)})`,
      );
    }
    console.log(
      `heap after each phase, ${r.entities} entities: ${Object.entries(
        r.memory as Record<string, number>,
      )
        .map(([phase, bytes]) => `${phase} ${mb(bytes)}`)
        .join(', ')}`,
    );
    console.log(
      `peak RSS so far after each phase, ${
        r.entities
      } entities: ${Object.entries(r.peakRssBy as Record<string, number>)
        .map(([phase, bytes]) => `${phase} ${mb(bytes)}`)
        .join(', ')}`,
    );
  }
  console.log(
    `load average (1/5/15 min): ${loadavg()
      .map(l => l.toFixed(2))
      .join(' / ')}${cache ? '; parse: cached contracts (--cache)' : ''}${
      heapMb === undefined ? '' : `; V8 heap limit ${heapMb} MB (--heap)`
    }${split ? '; --memory: garbage collected before each sample' : ''}`,
  );
}

if (require.main === module && /bench\.[jt]s$/.test(process.argv[1] ?? '')) {
  main();
}
