/*
 * Benchmark: `contracts check` on a findings-heavy catalog, beside the time to only YAML-parse
 * the same files. 10k components whose random contracts give about eight findings each (≈ 79k
 * in all: latency budgets below the provider's current latency, timeouts below its tail, new
 * request ids on retry against stable idempotency keys, freshness and access needs the
 * providers do not meet).
 *
 * In each run it prints:
 * - parse floor: a process that lists every file of the catalog, reads it and parses it with
 *   `yaml` (`parseAllDocuments` + `toJS`), no entity or contract logic; spawned as the CLI is
 *   (start-up included, a cold JIT and a fresh heap for both);
 * - the CLI's whole run (spawned, start-up included: `contracts check DIR --format json`, its
 *   report written to a file), and the CLI's own phases (CONTRACTS_CLI_TIMINGS=1): reading the
 *   catalog, parsing contracts, the engine, building the report (decisions applied, findings
 *   sorted) and writing it; CPU times (user + system) when /usr/bin/time is there;
 * - the ratios: whole CLI / parse floor (target ≤ 1.5), engine and report shares of the run.
 * Floor and CLI run back to back, the floor first in odd runs and second in even ones; with
 * more than one run, the medians follow (of each run's ratio: both halves of a ratio share
 * what the machine was doing then).
 *
 *   yarn bench:findings [--entities 10000] [--runs 3] [--keep] [--sources] [--dir <folder>]
 *
 * It bundles the CLI first (`yarn bundle`), as `yarn bench` does; `--sources` runs the
 * TypeScript sources through tsx instead.
 */
/* eslint-disable no-console */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCli, isFreshBundle } from '../src/bundle';

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

/**
 * The floor, run as a process of its own (as the CLI is: both start cold, with fresh heaps):
 * lists the YAML files under the folder, reads each and parses it with `yaml`
 * (`parseAllDocuments` + `toJS`), no entity or contract logic.
 */
const FLOOR_SCRIPT = `
const fs = require('node:fs');
const path = require('node:path');
const { parseAllDocuments } = require(process.argv[1]);
function yamlFiles(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}
const files = yamlFiles(process.argv[2], []);
let docs = 0;
for (const file of files) {
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (doc.toJS()) docs++;
  }
}
if (docs === 0) throw new Error('no YAML document parsed');
process.stdout.write(JSON.stringify({ files: files.length }));
`;

const load = () =>
  `load ${os
    .loadavg()
    .map(l => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores`;

interface Timed {
  wallMs: number;
  cpuS?: number;
  stderr: string;
}

/**
 * Runs a command (spawned, start-up included) with its stdout into `out`, and times it: wall
 * time from here, CPU time (user + system) from /usr/bin/time when it is there.
 */
function timed(command: string[], out: string, env = process.env): Timed {
  const useTime = fs.existsSync('/usr/bin/time');
  const fd = fs.openSync(out, 'w');
  try {
    const t0 = performance.now();
    const run = spawnSync(
      useTime ? '/usr/bin/time' : command[0],
      useTime ? ['-f', 'cpu %U %S', ...command] : command.slice(1),
      { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', env },
    );
    const wallMs = performance.now() - t0;
    if (run.status !== 0) {
      throw new Error(
        `${path.basename(command[1])} exited ${run.status}: ${run.stderr}`,
      );
    }
    const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(run.stderr ?? '');
    return {
      wallMs,
      cpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined,
      stderr: run.stderr ?? '',
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads and YAML-parses every file (the floor). */
function parseFloor(dir: string, out: string): Timed & { files: number } {
  const yaml = require.resolve('yaml');
  const run = timed([process.execPath, '-e', FLOOR_SCRIPT, yaml, dir], out);
  return { ...run, files: JSON.parse(fs.readFileSync(out, 'utf8')).files };
}

interface CliRun extends Timed {
  phases: Record<string, number>;
  findings: number;
  ran?: string;
}

/**
 * `contracts check DIR --format json`, its report written to a file (as a CI job keeps it;
 * the CLI writes a pipe as fast as its reader drains it, and this process's reading would
 * then be part of the measure).
 */
function runCli(dir: string, out: string): CliRun {
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
  const run = timed(command, out, env);
  const timings = /^timings \((\w+)\): (.*)$/m.exec(run.stderr);
  const phases: Record<string, number> = {};
  for (const part of timings?.[2]?.split(', ') ?? []) {
    const m = /^(.*) (\d+) ms$/.exec(part);
    if (m) phases[m[1]] = Number(m[2]);
  }
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  return {
    ...run,
    phases,
    findings: report.findings.length,
    ran: timings?.[1],
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Row {
  floorMs: number;
  cliMs: number;
  wallRatio: number;
  cpuRatio?: number;
  engineShare: number;
  reportShare: number;
}

async function main() {
  if (!SOURCES) await bundleCli();
  const dir =
    DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-findings-'));
  const scratch = fs.mkdtempSync(
    path.join(os.tmpdir(), 'contracts-findings-out-'),
  );
  const out = path.join(scratch, 'stdout');
  const rows: Row[] = [];
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
      // floor and CLI back to back, so that both see the same neighbours on a shared machine;
      // which goes first alternates, so that neither is always the one after a quiet moment
      if (!SOURCES && !isFreshBundle()) await bundleCli();
      const before = load();
      let floor: ReturnType<typeof parseFloor>;
      let cli: CliRun;
      if (r % 2) {
        floor = parseFloor(dir, out);
        cli = runCli(dir, out);
      } else {
        cli = runCli(dir, out);
        floor = parseFloor(dir, out);
      }
      const engine = cli.phases.engine ?? NaN;
      const report =
        (cli.phases['build report'] ?? 0) + (cli.phases.write ?? 0);
      const row: Row = {
        floorMs: floor.wallMs,
        cliMs: cli.wallMs,
        wallRatio: cli.wallMs / floor.wallMs,
        cpuRatio:
          cli.cpuS !== undefined && floor.cpuS !== undefined
            ? cli.cpuS / floor.cpuS
            : undefined,
        engineShare: engine / cli.wallMs,
        reportShare: report / cli.wallMs,
      };
      rows.push(row);
      console.log(
        `run ${r} (${cli.ran ?? '?'}; ${
          r % 2 ? 'floor first' : 'CLI first'
        }; ${before}): ${cli.findings} findings (${(
          cli.findings / ENTITIES
        ).toFixed(1)} per entity)\n` +
          `  parse floor (yaml, ${floor.files} files, spawned): ${s(
            floor.wallMs,
          )} wall${
            floor.cpuS !== undefined ? `, ${floor.cpuS.toFixed(2)} s CPU` : ''
          }\n` +
          `  CLI whole run: ${s(cli.wallMs)} wall = ${row.wallRatio.toFixed(
            2,
          )}× the floor (target ≤ 1.5×)${
            cli.cpuS !== undefined && row.cpuRatio !== undefined
              ? `; ${cli.cpuS.toFixed(2)} s CPU = ${row.cpuRatio.toFixed(
                  2,
                )}× the floor's CPU`
              : ''
          }\n` +
          `  engine: ${s(engine)} (${(100 * row.engineShare).toFixed(
            0,
          )} %), report (build + write): ${s(report)} (${(
            100 * row.reportShare
          ).toFixed(0)} %)\n` +
          `  phases: ${Object.entries(cli.phases)
            .map(([p, ms]) => `${p} ${ms} ms`)
            .join(', ')}`,
      );
    }
    if (rows.length > 1) {
      const cpu = rows.flatMap(r => (r.cpuRatio === undefined ? [] : [r]));
      console.log(
        `median of ${rows.length} runs (${load()}): floor ${s(
          median(rows.map(r => r.floorMs)),
        )}, CLI ${s(median(rows.map(r => r.cliMs)))}; CLI / floor ${median(
          rows.map(r => r.wallRatio),
        ).toFixed(2)}× wall (runs ${rows
          .map(r => r.wallRatio.toFixed(2))
          .join(', ')})${
          cpu.length
            ? `, ${median(cpu.map(r => r.cpuRatio!)).toFixed(2)}× CPU`
            : ''
        }; engine ${(100 * median(rows.map(r => r.engineShare))).toFixed(
          0,
        )} %, report ${(100 * median(rows.map(r => r.reportShare))).toFixed(
          0,
        )} %`,
      );
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!KEEP && !DIR) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  process.stderr.write(`bench:findings: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
