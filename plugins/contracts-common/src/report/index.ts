/*
 * Report builders: the machine-readable report of DESIGN.md and its text rendering.
 */
import type {
  ContractProblem,
  ContractsReport,
  Finding,
  Severity,
} from '../types';
import { compareFindings } from '../engine/engine';

/**
 * What {@link buildReport} counts: the analysed entities, contracts and graph edges, as arrays
 * or as counts.
 * @public
 */
export interface BuildReportInput {
  findings: Finding[];
  problems?: ContractProblem[];
  entities: readonly unknown[] | number;
  contracts: readonly unknown[] | number;
  edges: readonly unknown[] | number;
}

const count = (v: readonly unknown[] | number) =>
  typeof v === 'number' ? v : v.length;

function compareProblems(a: ContractProblem, b: ContractProblem): number {
  const s = (x?: string) => x ?? '';
  return (
    s(a.entity).localeCompare(s(b.entity)) ||
    s(a.file).localeCompare(s(b.file)) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    a.path.localeCompare(b.path) ||
    a.message.localeCompare(b.message)
  );
}

/**
 * The report shared by `contracts check --format json` and the backend: findings in the
 * engine's order, problems by entity and position, and the summary counts.
 * @public
 */
export function buildReport(input: BuildReportInput): ContractsReport {
  const findings = [...input.findings].sort(compareFindings);
  const bySeverity: Record<Severity, number> = {
    error: 0,
    warning: 0,
    tradeoff: 0,
    info: 0,
  };
  for (const f of findings) {
    bySeverity[f.severity]++;
  }
  return {
    version: 1,
    findings,
    problems: [...(input.problems ?? [])].sort(compareProblems),
    summary: {
      entities: count(input.entities),
      contracts: count(input.contracts),
      edges: count(input.edges),
      findings: bySeverity,
    },
  };
}

const ANSI: Record<Severity | 'problem' | 'dim' | 'reset' | 'bold', string> = {
  error: '\u001b[31;1m',
  warning: '\u001b[33;1m',
  tradeoff: '\u001b[35;1m',
  info: '\u001b[36m',
  problem: '\u001b[31m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
};

/**
 * Options of {@link formatText}.
 * @public
 */
export interface FormatTextOptions {
  /** ANSI colours (for terminals). Default false. */
  color?: boolean;
}

function plural(n: number, word: string, words = `${word}s`) {
  return `${n} ${n === 1 ? word : words}`;
}

/** `contracts/sla.yaml:7:9` */
function problemPlace(p: ContractProblem): string {
  let place = p.file ?? '';
  if (p.line !== undefined) {
    place += `:${p.line}`;
    if (p.column !== undefined) {
      place += `:${p.column}`;
    }
  }
  return place;
}

/**
 * Renders one finding: its essay-style message, with the decision status when not open.
 * @public
 */
export function formatFinding(
  finding: Finding,
  options: FormatTextOptions = {},
): string {
  const lines = finding.message.split('\n');
  if (options.color) {
    lines[0] = `${ANSI[finding.severity]}${lines[0]}${ANSI.reset}`;
  }
  if (finding.status !== 'open') {
    lines.push(`Decision: ${finding.status}`);
  }
  const where = finding.location?.file
    ? `${finding.location.entity} ${problemPlace({
        entity: finding.location.entity,
        path: finding.location.path,
        message: '',
        file: finding.location.file,
        line: finding.location.line,
        column: finding.location.column,
      })}`
    : finding.consumer;
  lines.push(
    options.color
      ? `${ANSI.dim}[${finding.rule}] ${where}${ANSI.reset}`
      : `[${finding.rule}] ${where}`,
  );
  return lines.join('\n');
}

/**
 * Renders a report for a terminal or a log: each finding in the essay's form, then the contract
 * problems, then the summary.
 * @public
 */
export function formatText(
  report: ContractsReport,
  options: FormatTextOptions = {},
): string {
  const c = (code: keyof typeof ANSI, text: string) =>
    options.color ? `${ANSI[code]}${text}${ANSI.reset}` : text;
  const blocks: string[] = report.findings.map(f => formatFinding(f, options));
  if (report.problems.length) {
    blocks.push(
      report.problems
        .map(p => {
          const place = problemPlace(p);
          return `${c('problem', 'PROBLEM:')} ${p.entity}${
            place ? ` ${place}` : ''
          }${p.path ? ` at ${p.path}` : ''}: ${p.message}`;
        })
        .join('\n'),
    );
  }
  const s = report.summary;
  const f = s.findings;
  blocks.push(
    c(
      'bold',
      `${plural(s.entities, 'entity', 'entities')}, ${plural(
        s.contracts,
        'contract',
      )}, ${plural(s.edges, 'edge')}: ${plural(f.error, 'error')}, ${plural(
        f.warning,
        'warning',
      )}, ${plural(f.tradeoff, 'trade-off')}, ${plural(
        f.info,
        'info',
        'infos',
      )}, ${plural(report.problems.length, 'problem')}`,
    ),
  );
  return `${blocks.join('\n\n')}\n`;
}
export * from './decisions';
export * from './madr';
export * from './sarif';
