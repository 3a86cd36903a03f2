/*
 * A CI baseline: `contracts baseline write FILE` freezes today's findings (by fingerprint, with
 * their evidence hash) and contract problems; `contracts check --baseline FILE` then fails only
 * on findings that are not in it, or whose evidence changed since, and on new contract problems
 * (the way ArchUnit's freezing rules and linters' baselines work). SARIF output marks each result
 * with its `baselineState` (SARIF 2.1.0 §3.27.24): new, unchanged, updated, or absent for a
 * frozen finding no longer found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  ContractProblem,
  ContractsReport,
  Finding,
  Severity,
} from '@backstage-contracts/plugin-contracts-common';
import { reaches } from './analysis';
import { fsReason, UsageError } from './errors';
import { describeValue, type FailOn, isObject } from './options';

/** A frozen finding: its fingerprint and evidence, and enough to name it when it is gone. */
export interface BaselineFinding {
  fingerprint: string;
  evidence: string;
  rule: string;
  severity: Severity;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  location?: { entity: string; file?: string; line?: number; column?: number };
}

/** A frozen contract problem, matched by entity, file, path and message (not by line). */
export interface BaselineProblem {
  entity: string;
  file?: string;
  path: string;
  message: string;
}

/** The baseline file (JSON), sorted so that rewriting an unchanged baseline changes nothing. */
export interface BaselineFile {
  version: 1;
  tool: 'contracts';
  findings: BaselineFinding[];
  problems: BaselineProblem[];
}

/** SARIF's baseline states. */
export type BaselineState = 'new' | 'unchanged' | 'updated' | 'absent';

/** A report compared with a baseline. */
export interface BaselineComparison {
  file: string;
  /** The state of each finding of the report, by fingerprint. */
  state: Map<string, Exclude<BaselineState, 'absent'>>;
  /** Frozen findings the report no longer has, as findings (for SARIF and text). */
  absent: Finding[];
  /** Contract problems the baseline does not hold. */
  newProblems: ContractProblem[];
}

const SEVERITIES: Severity[] = ['error', 'warning', 'tradeoff', 'info'];

/** Matches a contract problem whatever line it moved to. */
export function problemKey(
  p: Pick<ContractProblem, 'entity' | 'file' | 'path' | 'message'>,
) {
  return [p.entity, p.file ?? '', p.path, p.message].join('\u0000');
}

const byText = (a: string, b: string) => {
  if (a === b) return 0;
  return a < b ? -1 : 1;
};

/** The baseline of a report: every finding and contract problem it has. */
export function baselineOf(report: ContractsReport): BaselineFile {
  const findings = new Map<string, BaselineFinding>();
  for (const f of report.findings) {
    findings.set(f.id, {
      fingerprint: f.id,
      evidence: f.evidence,
      rule: f.rule,
      severity: f.severity,
      consumer: f.consumer,
      provider: f.provider,
      subject: f.subject,
      title: f.title,
      ...(f.location
        ? {
            location: {
              entity: f.location.entity,
              ...(f.location.file ? { file: f.location.file } : {}),
              ...(f.location.line !== undefined
                ? { line: f.location.line }
                : {}),
              ...(f.location.column !== undefined
                ? { column: f.location.column }
                : {}),
            },
          }
        : {}),
    });
  }
  const problems = new Map<string, BaselineProblem>();
  for (const p of report.problems) {
    problems.set(problemKey(p), {
      entity: p.entity,
      ...(p.file ? { file: p.file } : {}),
      path: p.path,
      message: p.message,
    });
  }
  return {
    version: 1,
    tool: 'contracts',
    findings: [...findings.values()].sort((a, b) =>
      byText(a.fingerprint, b.fingerprint),
    ),
    problems: [...problems.entries()]
      .sort(([a], [b]) => byText(a, b))
      .map(([, p]) => p),
  };
}

function text(item: Record<string, unknown>, key: string, at: string): string {
  const v = item[key];
  if (typeof v !== 'string' || !v) {
    throw new Error(`${at}.${key}: expected a string, got ${describeValue(v)}`);
  }
  return v;
}

/** Validates a baseline file's content; throws a one-line message naming the place. */
export function validateBaseline(value: unknown): BaselineFile {
  if (!isObject(value) || value.version !== 1) {
    throw new Error(
      `expected a baseline written by \`contracts baseline write\` ({"version": 1, "findings": [...]}), got ${
        isObject(value)
          ? `version ${describeValue(value.version)}`
          : describeValue(value)
      }`,
    );
  }
  if (!Array.isArray(value.findings)) {
    throw new Error(
      `findings: expected a list, got ${describeValue(value.findings)}`,
    );
  }
  const problems = value.problems ?? [];
  if (!Array.isArray(problems)) {
    throw new Error(
      `problems: expected a list, got ${describeValue(problems)}`,
    );
  }
  const findings = value.findings.map((f: unknown, i: number) => {
    const at = `findings[${i}]`;
    if (!isObject(f))
      throw new Error(`${at}: expected a mapping, got ${describeValue(f)}`);
    const severity = text(f, 'severity', at) as Severity;
    if (!SEVERITIES.includes(severity)) {
      throw new Error(
        `${at}.severity: expected one of ${SEVERITIES.join(
          ', ',
        )}, got ${describeValue(severity)}`,
      );
    }
    const location = isObject(f.location) ? f.location : undefined;
    return {
      fingerprint: text(f, 'fingerprint', at),
      evidence: text(f, 'evidence', at),
      rule: text(f, 'rule', at),
      severity,
      consumer: typeof f.consumer === 'string' ? f.consumer : '',
      provider: typeof f.provider === 'string' ? f.provider : '',
      subject: typeof f.subject === 'string' ? f.subject : '',
      title: typeof f.title === 'string' ? f.title : text(f, 'rule', at),
      ...(location && typeof location.entity === 'string'
        ? { location: location as BaselineFinding['location'] }
        : {}),
    };
  });
  return {
    version: 1,
    tool: 'contracts',
    findings,
    problems: problems.map((p: unknown, i: number) => {
      const at = `problems[${i}]`;
      if (!isObject(p))
        throw new Error(`${at}: expected a mapping, got ${describeValue(p)}`);
      return {
        entity: text(p, 'entity', at),
        ...(typeof p.file === 'string' ? { file: p.file } : {}),
        path: typeof p.path === 'string' ? p.path : '',
        message: text(p, 'message', at),
      };
    }),
  };
}

/** Reads `--baseline FILE`: a usage error (exit 2) when it cannot be read or is not a baseline. */
export function loadBaseline(file: string, cwd: string): BaselineFile {
  let content: string;
  try {
    content = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(
      `--baseline ${file}: cannot read it: ${fsReason(
        error,
      )} (write one with \`contracts baseline write ${file} PATHS\`)`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new UsageError(
      `--baseline ${file}: not valid JSON: ${(error as Error).message}`,
    );
  }
  try {
    return validateBaseline(value);
  } catch (error) {
    throw new UsageError(`--baseline ${file}: ${(error as Error).message}`);
  }
}

/** Writes a baseline file (creating its folder); a usage error when it cannot. */
export function writeBaseline(
  file: string,
  cwd: string,
  baseline: BaselineFile,
) {
  const target = path.resolve(cwd, file);
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${JSON.stringify(baseline, null, 2)}\n`);
  } catch (error) {
    throw new UsageError(
      `baseline write ${file}: cannot write it: ${fsReason(error)}`,
    );
  }
}

/** A frozen finding that is gone, as a finding (what the baseline knows of it). */
function absentFinding(b: BaselineFinding): Finding {
  return {
    id: b.fingerprint,
    rule: b.rule,
    severity: b.severity,
    status: 'open',
    consumer: b.consumer,
    provider: b.provider,
    subject: b.subject,
    title: b.title,
    expected: '',
    actual: '',
    impact: '',
    resolutions: [],
    evidence: b.evidence,
    message: `${b.title}: ${b.consumer} → ${b.provider} (${b.subject}), frozen in the baseline, is no longer found`,
    ...(b.location ? { location: { ...b.location, path: '' } } : {}),
  };
}

/**
 * Compares a report with a baseline by fingerprint: a finding the baseline lacks is new, one
 * whose evidence hash differs from the frozen one is updated, otherwise unchanged; frozen
 * findings the report lacks are absent.
 */
export function compareWithBaseline(
  report: ContractsReport,
  baseline: BaselineFile,
  file: string,
): BaselineComparison {
  const frozen = new Map(baseline.findings.map(b => [b.fingerprint, b]));
  const state: BaselineComparison['state'] = new Map();
  for (const f of report.findings) {
    const b = frozen.get(f.id);
    if (!b) state.set(f.id, 'new');
    else state.set(f.id, b.evidence === f.evidence ? 'unchanged' : 'updated');
  }
  const absent = baseline.findings
    .filter(b => !state.has(b.fingerprint))
    .map(absentFinding);
  const known = new Set(baseline.problems.map(problemKey));
  return {
    file,
    state,
    absent,
    newProblems: report.problems.filter(p => !known.has(problemKey(p))),
  };
}

/**
 * The exit code of `contracts check --baseline`: 1 when a new or updated finding reaches
 * --fail-on (accepted ones never do), or a contract problem is not in the baseline.
 */
export function baselineExitCode(
  report: ContractsReport,
  comparison: BaselineComparison,
  failOn: FailOn,
): 0 | 1 {
  if (failOn === 'never') return 0;
  return comparison.newProblems.length ||
    failingUnderBaseline(report, comparison, failOn).length
    ? 1
    : 0;
}

/** The findings that fail the build under the baseline: new or updated, reaching --fail-on. */
export function failingUnderBaseline(
  report: ContractsReport,
  comparison: BaselineComparison,
  failOn: FailOn,
): Finding[] {
  return report.findings.filter(
    f => comparison.state.get(f.id) !== 'unchanged' && reaches(f, failOn),
  );
}

/** The text output's line about the baseline. */
export function baselineLine(c: BaselineComparison): string {
  const counts = { new: 0, updated: 0, unchanged: 0 };
  for (const s of c.state.values()) counts[s]++;
  return `Baseline ${c.file}: ${
    counts.unchanged
  } unchanged (frozen, not shown), ${counts.new} new, ${
    counts.updated
  } with changed evidence, ${c.absent.length} no longer found${
    c.absent.length
      ? ` (\`contracts baseline write ${c.file}\` drops them)`
      : ''
  }`;
}
