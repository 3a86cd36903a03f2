/*
 * Benchmark: `contracts check` on a findings-heavy catalog, beside the time to only YAML-parse
 * the same files. 10k components whose random contracts give about eight findings each (≈ 79k
 * in all: latency budgets below the provider's current latency, timeouts below its tail, new
 * request ids on retry against stable idempotency keys, freshness and access needs the
 * providers do not meet).
 *
 * In one run it prints:
 * - parse floor: reading every file of the catalog and parsing it with `yaml`
 *   (`parseAllDocuments` + `toJS`), in this process, no entity or contract logic;
 * - the CLI's whole run (spawned, start-up included: `contracts check DIR --format json`), its
 *   CPU time when /usr/bin/time is there, and the CLI's own phases (CONTRACTS_CLI_TIMINGS=1):
 *   reading the catalog, parsing contracts, the engine, building the report (decisions applied,
 *   findings sorted) and writing it;
 * - the ratios: whole CLI / parse floor (target ≤ 1.5), engine and report shares of the run.
 *
 *   yarn bench:findings [--entities 10000] [--runs 2] [--keep] [--sources] [--dir <folder>]
 *
 * It bundles the CLI first (`yarn bundle`), as `yarn bench` does; `--sources` runs the
 * TypeScript sources through tsx instead.
 */
/* eslint-disable no-console */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { bundleCli, isFreshBundle } from '../src/bundle';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ENTITIES = arg('entities', 10_000);
const RUNS = arg('runs', 2);
const KEEP = process.argv.includes('--keep');
const SOURCES = process.argv.includes('--sources');
const DIR = process.argv.includes('--dir')
  ? process.argv[process.argv.indexOf('--dir') + 1]
  : undefined;
const TEAMS = 100;
const ACCESS = ['support', 'analyst', 'internal', 'admin'];

/** A deterministic pseudo-random generator, so every run measures the same catalog. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Random contracts over a random call graph (each service calls four others, anywhere: chains
 * and cycles included). Values are drawn so that about half of the budgets and timeouts fail
 * against their provider, and some retries, freshness and access needs do.
 */
function generate(dir: string): void {
  const rnd = random(7);
  const pick = (n: number) => Math.floor(rnd() * n);
  const between = (lo: number, hi: number) =>
    Math.round(lo + rnd() * (hi - lo));
  const name = (i: number) => `svc-${String(i).padStart(5, '0')}`;
  const groups: string[] = [];
  for (let t = 0; t < TEAMS; t++) {
    groups.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-${t}\nspec:\n  type: team\n  children: []\n`,
    );
  }
  fs.writeFileSync(path.join(dir, 'org.yaml'), groups.join('---\n'));
  // each provider's numbers first: the consumers' contracts are drawn against them
  const p95 = Array.from({ length: ENTITIES }, () => between(50, 2000));
  const maxFreshness = Array.from({ length: ENTITIES }, () => between(5, 120));
  const access = Array.from({ length: ENTITIES }, () => ACCESS[pick(4)]);
  for (let i = 0; i < ENTITIES; i++) {
    const svc = name(i);
    const folder = path.join(dir, svc);
    fs.mkdirSync(path.join(folder, 'contracts'), { recursive: true });
    const deps = new Set<number>();
    while (deps.size < 4) {
      const d = pick(ENTITIES);
      if (d !== i) deps.add(d);
    }
    const depList = [...deps];
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
        `  dependsOn: [${depList
          .map(d => `component:default/${name(d)}`)
          .join(', ')}]`,
        '',
      ].join('\n'),
    );
    const mine = p95[i];
    const lines = [
      `service: ${svc}`,
      'provides:',
      '  - operation: handle',
      '    latency:',
      `      current: p50=${Math.round(mine / 2)}ms, p95=${mine}ms, p99=${
        mine * 2
      }ms`,
      '  - dataset: records',
      `    freshness: 1-${Math.ceil(maxFreshness[i] / 2)}s typical, ${
        maxFreshness[i]
      }s max`,
      '  - endpoint: /details',
      '    returns: full_breakdown',
      '    data: [details]',
      `    access: ${access[i]}`,
      'operations:',
      '  - name: handle',
      '    idempotency_key: request_id',
      '    expects: stable_across_retries',
      `    window: ${between(1, 10)}m`,
      'depends_on:',
    ];
    for (const d of depList) {
      lines.push(
        `  - service: ${name(d)}`,
        '    operation: handle',
        '    latency_budget:',
        `      acceptable: p95 < ${between(20, 2400)}ms`,
      );
      if (pick(3)) lines.push(`    timeout: ${between(100, 9000)}ms`);
      lines.push(`    retry: ${pick(5) ? 'none' : 2}`);
    }
    lines.push(
      'retry_policies:',
      `  - target: ${name(depList[0])}.handle`,
      '    on_timeout:',
      `      generates_new_request_id: ${pick(3) === 0}`,
      `    max_attempts: ${between(1, 3)}`,
      'data_dependencies:',
      `  - source: ${name(depList[1])}`,
      '    dataset: records',
      `    freshness_required: <${between(5, 120)}s`,
      'requires:',
      `  - from: ${name(depList[2])}`,
      '    data: details',
      `    access_level: ${ACCESS[pick(4)]}`,
    );
    fs.writeFileSync(
      path.join(folder, 'contracts', 'contract.yaml'),
      `${lines.join('\n')}\n`,
    );
  }
}

/** Every YAML file under `dir`. */
function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Reads and YAML-parses every file (the floor), in ms. */
function parseFloor(dir: string): { ms: number; cpuS: number; files: number } {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const files = yamlFiles(dir);
  let docs = 0;
  for (const file of files) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      if (doc.toJS()) docs++;
    }
  }
  if (docs === 0) throw new Error('no YAML document parsed');
  const cpu = process.cpuUsage(cpu0);
  return {
    ms: performance.now() - t0,
    cpuS: (cpu.user + cpu.system) / 1e6,
    files: files.length,
  };
}

const load = () =>
  `load ${os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores`;

interface CliRun {
  wallMs: number;
  cpuS?: number;
  phases: Record<string, number>;
  findings: number;
  ran?: string;
}

function runCli(dir: string): CliRun {
  const bin = path.resolve(__dirname, '../bin/contracts');
  const env = {
    ...process.env,
    CONTRACTS_CLI_TIMINGS: '1',
    ...(SOURCES ? { CONTRACTS_CLI_SOURCES: '1' } : {}),
  };
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
  const timed = fs.existsSync('/usr/bin/time');
  const t0 = performance.now();
  const out = spawnSync(
    timed ? '/usr/bin/time' : command[0],
    timed ? ['-f', 'cpu %U %S', ...command] : command.slice(1),
    { maxBuffer: 2 * 1024 * 1024 * 1024, encoding: 'utf8', env },
  );
  const wallMs = performance.now() - t0;
  if (out.status !== 0) {
    throw new Error(`contracts check exited ${out.status}: ${out.stderr}`);
  }
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(out.stderr ?? '');
  const timings = /^timings \((\w+)\): (.*)$/m.exec(out.stderr ?? '');
  const phases: Record<string, number> = {};
  for (const part of timings?.[2]?.split(', ') ?? []) {
    const m = /^(.*) (\d+) ms$/.exec(part);
    if (m) phases[m[1]] = Number(m[2]);
  }
  const report = JSON.parse(out.stdout);
  return {
    wallMs,
    cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined,
    phases,
    findings: report.findings.length,
    ran: timings?.[1],
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  if (!SOURCES) await bundleCli();
  const dir =
    DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-findings-'));
  try {
    if (!DIR) {
      const t = performance.now();
      generate(dir);
      console.log(
        `generated ${ENTITIES} components (+${TEAMS} groups) in ${s(
          performance.now() - t,
        )}: ${dir}`,
      );
    }
    for (let r = 1; r <= RUNS; r++) {
      // floor and CLI back to back, so that both see the same neighbours on a shared machine
      if (!SOURCES && !isFreshBundle()) await bundleCli();
      const before = load();
      const floor = parseFloor(dir);
      const cli = runCli(dir);
      const engine = cli.phases.engine ?? NaN;
      const report =
        (cli.phases['build report'] ?? 0) + (cli.phases.write ?? 0);
      console.log(
        `run ${r} (${cli.ran ?? '?'}; ${before}): ${cli.findings} findings (${(
          cli.findings / ENTITIES
        ).toFixed(1)} per entity)\n` +
          `  parse floor (yaml, ${floor.files} files): ${s(
            floor.ms,
          )} wall, ${floor.cpuS.toFixed(2)} s CPU\n` +
          `  CLI whole run: ${s(cli.wallMs)} wall = ${(
            cli.wallMs / floor.ms
          ).toFixed(2)}× the floor (target ≤ 1.5×)${
            cli.cpuS !== undefined
              ? `; ${cli.cpuS.toFixed(2)} s CPU = ${(
                  cli.cpuS / floor.cpuS
                ).toFixed(2)}× the floor's CPU`
              : ''
          }\n` +
          `  engine: ${s(engine)} (${((100 * engine) / cli.wallMs).toFixed(
            0,
          )} %), report (build + write): ${s(report)} (${(
            (100 * report) /
            cli.wallMs
          ).toFixed(0)} %)\n` +
          `  phases: ${Object.entries(cli.phases)
            .map(([p, ms]) => `${p} ${ms} ms`)
            .join(', ')}`,
      );
    }
  } finally {
    if (!KEEP && !DIR) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  process.stderr.write(`bench:findings: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
