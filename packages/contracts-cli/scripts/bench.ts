/*
 * Benchmark: wall time of `contracts check <dir> --format json` (spawned, start-up included) on a
 * generated catalog folder of 10k entities with about five contract edges each.
 *
 * It first bundles the CLI (`yarn bundle`: dist/contracts.cjs), which bin/contracts runs while
 * its inputs are unchanged; `--sources` measures the TypeScript sources through tsx instead.
 *
 *   yarn bench [--entities 10000] [--runs 3] [--keep] [--sources] [--dir <existing folder>]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_FILE, bundleCli, isFreshBundle } from '../src/bundle';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ENTITIES = arg('entities', 10_000);
const RUNS = arg('runs', 3);
const KEEP = process.argv.includes('--keep');
const SOURCES = process.argv.includes('--sources');
const DIR = process.argv.includes('--dir')
  ? process.argv[process.argv.indexOf('--dir') + 1]
  : undefined;
const TEAMS = 100;

/** A deterministic pseudo-random generator, so every run measures the same catalog. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const LAYERS = 5;

/**
 * A layered service graph, as most catalogs are: layer 0 serves data, each service of layer k
 * calls four services of layer k-1, reads one of their datasets and needs one of their endpoints
 * (six contract edges; 4.8 per entity with the leaves). Contracts mostly hold; one service in a hundred has a budget its
 * provider cannot meet, so the report has findings to carry.
 */
function generate(dir: string) {
  const rnd = random(42);
  const pick = (n: number) => Math.floor(rnd() * n);
  const name = (i: number) => `svc-${String(i).padStart(5, '0')}`;
  const perLayer = Math.ceil(ENTITIES / LAYERS);
  const layerOf = (i: number) => Math.floor(i / perLayer);
  const p95 = (layer: number) => 10 * 4 ** layer;
  const teams: string[] = [];
  for (let t = 0; t < TEAMS; t++) {
    teams.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-${t}\nspec:\n  type: team\n  children: []\n`,
    );
  }
  fs.writeFileSync(path.join(dir, 'org.yaml'), teams.join('---\n'));
  let edges = 0;
  for (let i = 0; i < ENTITIES; i++) {
    const svc = name(i);
    const layer = layerOf(i);
    const folder = path.join(dir, svc);
    fs.mkdirSync(path.join(folder, 'contracts'), { recursive: true });
    const deps = new Set<number>();
    if (layer > 0) {
      while (deps.size < 4) deps.add((layer - 1) * perLayer + pick(perLayer));
    }
    const depList = [...deps].sort((a, b) => a - b);
    fs.writeFileSync(
      path.join(folder, 'catalog-info.yaml'),
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        `  name: ${svc}`,
        '  annotations:',
        '    contracts.io/ref: dir:./contracts',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        `  owner: group:default/team-${i % TEAMS}`,
        ...(depList.length
          ? [
              `  dependsOn: [${depList
                .map(d => `component:default/${name(d)}`)
                .join(', ')}]`,
            ]
          : []),
        '',
      ].join('\n'),
    );
    const mine = p95(layer);
    const lines = [
      `service: ${svc}`,
      'provides:',
      '  - operation: handle',
      '    latency:',
      `      current: p50=${mine / 2}ms, p95=${mine}ms, p99=${mine * 2}ms`,
      '  - dataset: records',
      '    freshness: 1-5s typical, 10s max',
      '  - endpoint: /details',
      '    returns: full_breakdown',
      '    data: [details]',
      'operations:',
      '  - name: handle',
      '    idempotency_key: request_id',
      '    expects: stable_across_retries',
      '    window: 5m',
    ];
    if (depList.length) {
      const dep = p95(layer - 1);
      const tight = pick(100) === 0;
      lines.push('depends_on:');
      for (const d of depList) {
        lines.push(
          `  - service: ${name(d)}`,
          '    operation: handle',
          '    latency_budget:',
          `      acceptable: p95 < ${tight ? dep / 2 : dep * 2}ms`,
          `    timeout: ${dep * 8}ms`,
          '    retry: none',
        );
      }
      const d = depList[0];
      lines.push(
        'data_dependencies:',
        `  - source: ${name(d)}`,
        '    dataset: records',
        '    freshness_required: <60s',
        'requires:',
        `  - from: ${name(depList[1])}`,
        '    data: details',
        '    access_level: support',
      );
      edges += depList.length + 2;
    }
    fs.writeFileSync(
      path.join(folder, 'contracts', 'contract.yaml'),
      `${lines.join('\n')}\n`,
    );
  }
  return edges;
}

const load = () =>
  `load average ${os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores`;

async function main() {
  if (!SOURCES) {
    const t = Date.now();
    const { inputs } = await bundleCli();
    process.stdout.write(
      `bundled the CLI (${inputs} inputs) into ${path.relative(
        process.cwd(),
        BUNDLE_FILE,
      )} in ${Date.now() - t} ms: runs measure the bundle\n`,
    );
  }
  const dir = DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-bench-'));
  try {
    if (!DIR) {
      const started = Date.now();
      const edges = generate(dir);
      process.stdout.write(
        `generated ${ENTITIES} components (+${TEAMS} groups), ${edges} contract edges (${(
          edges / ENTITIES
        ).toFixed(1)} per entity) in ${Date.now() - started} ms: ${dir}\n`,
      );
    }
    const bin = path.resolve(__dirname, '../bin/contracts');
    const env = {
      ...process.env,
      CONTRACTS_CLI_TIMINGS: '1',
      ...(SOURCES ? { CONTRACTS_CLI_SOURCES: '1' } : {}),
    };
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      // a file it was built from changed meanwhile (someone is editing): build it again, so
      // that the run measures the bundle, not the sources
      if (!SOURCES && !isFreshBundle()) await bundleCli();
      const before = load();
      const t0 = process.hrtime.bigint();
      // /usr/bin/time, when there is one, adds the CPU time: on a shared machine wall time
      // says as much about the neighbours as about the CLI
      const timed = fs.existsSync('/usr/bin/time');
      const command = [
        process.execPath,
        bin,
        'check',
        dir,
        '--format',
        'json',
        '--fail-on',
        'never',
      ];
      const out = timed
        ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', ...command], {
            maxBuffer: 2 * 1024 * 1024 * 1024,
            encoding: 'utf8',
            env,
          })
        : spawnSync(command[0], command.slice(1), {
            maxBuffer: 2 * 1024 * 1024 * 1024,
            encoding: 'utf8',
            env,
          });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(out.stderr ?? '');
      // the CLI says what ran: the bundle, or the sources when the bundle went stale meanwhile
      const timings = /^timings \((\w+)\): (.*)$/m.exec(out.stderr ?? '');
      const [ran, phases] = [timings?.[1], timings?.[2]];
      if (out.status !== 0) {
        throw new Error(`contracts check exited ${out.status}: ${out.stderr}`);
      }
      const report = JSON.parse(out.stdout);
      times.push(ms);
      process.stdout.write(
        `run ${r + 1}: ${(ms / 1000).toFixed(2)} s wall${
          cpu
            ? `, ${(Number(cpu[1]) + Number(cpu[2])).toFixed(2)} s CPU (user ${
                cpu[1]
              } + sys ${cpu[2]})`
            : ''
        } (${ran === 'sources' ? 'sources via tsx' : ran ?? '?'}; ${before}): ${
          report.summary.entities
        } entities, ${report.summary.contracts} contracts, ${
          report.summary.edges
        } graph edges, ${report.findings.length} findings, ${
          report.problems.length
        } problems${phases ? `\n  ${phases}` : ''}\n`,
      );
    }
    times.sort((a, b) => a - b);
    process.stdout.write(
      `median: ${(times[Math.floor(times.length / 2)] / 1000).toFixed(
        2,
      )} s (target ≤ 3 s)\n`,
    );
  } finally {
    if (!KEEP && !DIR) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
