/*
 * `contracts diff`: the findings a change adds, removes and changes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type ContractProblem,
  type Finding,
  formatFinding,
  formatSarif,
} from '@backstage-contracts/plugin-contracts-common';
import { type Analysis, reaches, runAnalysis, sarifLocator } from './analysis';
import { UsageError } from './errors';
import { writeJson } from './jsonChunks';
import { problemKey } from './baseline';
import {
  type CliIo,
  type CommonOptions,
  loadEntities,
  useColor,
} from './context';
import { loadOptionFiles, type FailOn } from './options';

/** The JSON answer of `contracts diff`, as in DESIGN.md. */
export interface DiffReport {
  version: 1;
  added: Finding[];
  removed: Finding[];
  changed: Array<{ before: Finding; after: Finding }>;
  problems: ContractProblem[];
}

/** Compares two analyses by finding fingerprint; problems are the head's. */
export function diffReports(
  base: Pick<Analysis, 'report'>,
  head: Pick<Analysis, 'report'>,
): DiffReport {
  const before = new Map(base.report.findings.map(f => [f.id, f]));
  const after = new Map(head.report.findings.map(f => [f.id, f]));
  const added = head.report.findings.filter(f => !before.has(f.id));
  const removed = base.report.findings.filter(f => !after.has(f.id));
  const changed: DiffReport['changed'] = [];
  for (const f of head.report.findings) {
    const b = before.get(f.id);
    if (
      b &&
      (b.evidence !== f.evidence ||
        b.severity !== f.severity ||
        b.status !== f.status)
    ) {
      changed.push({ before: b, after: f });
    }
  }
  return {
    version: 1,
    added,
    removed,
    changed,
    problems: head.report.problems,
  };
}

/**
 * 1 when the head adds a finding at or above --fail-on (or turns one into such a finding), or
 * a contract problem the base did not have.
 */
export function diffExitCode(
  diff: DiffReport,
  baseProblems: ContractProblem[],
  failOn: FailOn,
): 0 | 1 {
  if (failOn === 'never') return 0;
  if (diff.added.some(f => reaches(f, failOn))) return 1;
  if (
    diff.changed.some(
      c => reaches(c.after, failOn) && !reaches(c.before, failOn),
    )
  ) {
    return 1;
  }
  const known = new Set(baseProblems.map(problemKey));
  return diff.problems.some(p => !known.has(problemKey(p))) ? 1 : 0;
}

/** The consumer of a finding and, transitively, every entity calling it in the head's graph. */
export function affectedConsumers(finding: Finding, head: Analysis): string[] {
  const callers = new Map<string, string[]>();
  for (const e of head.graph.edges) {
    if (e.kind !== 'call') continue;
    const list = callers.get(e.to);
    if (list) list.push(e.from);
    else callers.set(e.to, [e.from]);
  }
  const seen = new Set<string>();
  const queue = [finding.consumer];
  while (queue.length) {
    const ref = queue.shift()!;
    if (seen.has(ref) || ref === finding.provider) continue;
    seen.add(ref);
    queue.push(...(callers.get(ref) ?? []));
  }
  return [...seen];
}

function ownerOf(ref: string, analyses: Analysis[]): string {
  for (const a of analyses) {
    const owner = a.summaries.get(ref)?.owner;
    if (owner) return owner;
  }
  return '(no owner)';
}

const indent = (text: string, by = '    ') =>
  text
    .split('\n')
    .map(l => (l ? by + l : l))
    .join('\n');

/**
 * What changed in a finding, value by value (`expected: p95 < 150ms → p95 < 500ms`); the
 * values that stayed are not repeated. A change of evidence only (a value the finding does not
 * show) says so.
 */
export function changeText(before: Finding, after: Finding): string {
  const fields = ['severity', 'expected', 'actual', 'status'] as const;
  const changes = fields
    .filter(field => before[field] !== after[field])
    .map(field => `${field}: ${before[field]} → ${after[field]}`);
  return changes.length ? changes.join('; ') : 'evidence (values compared)';
}

/** Text output: changes grouped by the team owning the provider. */
export function formatDiffText(
  diff: DiffReport,
  base: Analysis,
  head: Analysis,
  color: boolean,
): string {
  const both = [head, base];
  type Item = { order: number; text: string };
  const groups = new Map<string, Item[]>();
  const add = (f: Finding, item: Item) => {
    const team = ownerOf(f.provider, both);
    const list = groups.get(team);
    if (list) list.push(item);
    else groups.set(team, [item]);
  };
  const who = (ref: string) => {
    const owner = ownerOf(ref, both);
    return owner === '(no owner)' ? ref : `${ref} (${owner})`;
  };
  for (const f of diff.added) {
    add(f, {
      order: 0,
      text: `  + added\n${indent(
        formatFinding(f, { color }),
      )}\n    Affects: ${affectedConsumers(f, head).map(who).join(', ')}`,
    });
  }
  for (const { before, after } of diff.changed) {
    add(after, {
      order: 1,
      text: `  ~ changed: ${changeText(before, after)}\n${indent(
        formatFinding(after, { color }),
      )}`,
    });
  }
  for (const f of diff.removed) {
    add(f, {
      order: 2,
      text: `  - removed: ${f.title}: ${f.consumer} → ${f.provider} (${f.subject}) [${f.rule}]`,
    });
  }
  const blocks = [
    `contracts diff: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`,
  ];
  for (const team of [...groups.keys()].sort()) {
    const items = groups.get(team)!.sort((a, b) => a.order - b.order);
    blocks.push(`${team}\n${items.map(i => i.text).join('\n\n')}`);
  }
  if (diff.problems.length) {
    blocks.push(
      diff.problems
        .map(
          p =>
            `PROBLEM: ${p.entity}${p.file ? ` ${p.file}` : ''}${
              p.line ? `:${p.line}` : ''
            }${p.path ? ` at ${p.path}` : ''}: ${p.message}`,
        )
        .join('\n'),
    );
  }
  return `${blocks.join('\n\n')}\n`;
}

function git(args: string[], cwd: string, input?: Buffer) {
  return spawnSync('git', args, {
    cwd,
    input,
    maxBuffer: 1024 * 1024 * 1024,
  });
}

/** A side of the diff: the PATHs to read and the root their problems are named from. */
interface Side {
  paths: string[];
  root: string;
  cwd: string;
  cleanup?: () => void;
}

/**
 * A side given as a path is read as it is; a git revision is materialized (`git archive` of the
 * PATHs at that revision) into a temporary folder.
 */
export function materialize(
  spec: string | undefined,
  paths: string[],
  cwd: string,
  option: string,
): Side {
  const wanted = paths.length ? paths : ['.'];
  if (spec === undefined) return { paths: wanted, root: cwd, cwd };
  if (fs.existsSync(path.resolve(cwd, spec))) {
    return { paths: [spec], root: path.resolve(cwd, spec), cwd };
  }
  const rev = git(
    ['rev-parse', '--verify', '--quiet', `${spec}^{commit}`],
    cwd,
  );
  if (rev.status !== 0) {
    throw new UsageError(
      `${option} ${spec} is neither a path nor a git revision`,
    );
  }
  const top = git(['rev-parse', '--show-toplevel'], cwd)
    .stdout.toString()
    .trim();
  const rels = wanted.map(p => path.relative(top, path.resolve(cwd, p)));
  if (rels.some(r => r.startsWith('..'))) {
    throw new UsageError(
      `${option} ${spec}: the PATHs must be inside the git repository ${top}`,
    );
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-diff-'));
  const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
  const pathspecs = rels.filter(r => r !== '');
  const archive = git(
    ['archive', '--format=tar', spec, ...(rels.includes('') ? [] : pathspecs)],
    top,
  );
  if (archive.status !== 0) {
    cleanup();
    throw new UsageError(
      `${option} ${spec}: cannot read ${wanted.join(' ')} at that revision: ${
        archive.stderr.toString().trim().split('\n')[0]
      }`,
    );
  }
  const untar = spawnSync('tar', ['-x', '-C', tmp], {
    input: archive.stdout,
    maxBuffer: 1024 * 1024,
  });
  if (untar.status !== 0) {
    cleanup();
    throw new UsageError(
      `${option} ${spec}: cannot unpack it: ${
        untar.stderr.toString().trim().split('\n')[0]
      }`,
    );
  }
  const relCwd = path.relative(top, cwd);
  return {
    paths: rels.map(r => path.join(tmp, r)),
    root: path.join(tmp, relCwd),
    cwd: path.join(tmp, relCwd),
    cleanup,
  };
}

/** The `diff` command. */
export async function runDiff(
  paths: string[],
  opts: CommonOptions & { base: string; head?: string },
  io: CliIo,
): Promise<number> {
  const { config, decisions } = loadOptionFiles(opts, io.cwd);
  const sides: Side[] = [];
  try {
    const analyses: Analysis[] = [];
    for (const [spec, option] of [
      [opts.base, '--base'],
      [opts.head, '--head'],
    ] as const) {
      const side = materialize(spec, paths, io.cwd, option);
      sides.push(side);
      const catalog = await loadEntities(
        side.paths,
        {},
        { ...io, cwd: io.cwd },
        side.root,
      );
      analyses.push(runAnalysis(catalog, { config, decisions, now: io.now }));
    }
    const [base, head] = analyses;
    const diff = diffReports(base, head);
    const code = diffExitCode(diff, base.report.problems, opts.failOn);
    if (opts.format === 'json') {
      writeJson(diff, text => io.stdout(text), 2);
    } else if (opts.format === 'sarif') {
      const state = new Map<string, 'new' | 'updated'>();
      diff.added.forEach(f => state.set(f.id, 'new'));
      diff.changed.forEach(c => state.set(c.after.id, 'updated'));
      const headSide = sides[1];
      writeJson(
        formatSarif(head.report, {
          locate: sarifLocator(head.entries, headSide.root),
          baselineState: f => state.get(f.id) ?? 'unchanged',
        }),
        text => io.stdout(text),
        2,
      );
    } else {
      io.stdout(
        `${formatDiffText(diff, base, head, useColor(io))}${
          code
            ? `FAIL: the head adds findings at or above --fail-on ${opts.failOn}`
            : `PASS: the head adds nothing at or above --fail-on ${opts.failOn}`
        }\n`,
      );
    }
    return code;
  } finally {
    for (const s of sides) s.cleanup?.();
  }
}
