/**
 * The report `contracts discover --format json` writes, as a service's CI commits it beside its
 * contracts: recognised by its header, read into the `discovered` facts of the entity's contract
 * (rule `contract-drift`), every fault a located problem.
 */
import type {
  ContractProblem,
  ContractSource,
  DiscoveredFact,
  DiscoveredFactKind,
} from '../types';
import { CONTRACT_PARSER_LIMITS } from './limits';
import {
  type LocatedDocument,
  describeType,
  readYamlSource,
} from './yamlSource';

/**
 * The `kind` in the header of a `contracts discover --format json` report.
 * @public
 */
export const DISCOVER_REPORT_KIND = 'contracts-discover-report';

/**
 * The version of the report format this library writes and reads (the header's `version`).
 * @public
 */
export const DISCOVER_REPORT_VERSION = 1;

/**
 * The name of the report in a contracts folder, by convention (`contracts/discovered.json`). A
 * JSON file of another name is a report when its header says so.
 * @public
 */
export const DISCOVER_REPORT_FILE = 'discovered.json';

/**
 * The header of a discover report, as `contracts discover --format json` writes it first.
 * @public
 */
export interface DiscoverReportHeader {
  kind: typeof DISCOVER_REPORT_KIND;
  version: number;
  /** The service scanned: the entity's name (or full ref) in the catalog. */
  service: string;
  /** The folder the fact paths are relative to, relative to where the scan ran. */
  root?: string;
}

/**
 * A discover report: its header and the raw facts (`draft` and `drift` are for people and
 * ignored by readers).
 * @public
 */
export interface DiscoverReport extends DiscoverReportHeader {
  facts: DiscoveredFact[];
}

/**
 * Limits for reports: a longer text than a contract's (a big service states many facts, each
 * with its code as written); the contract's 100,000 values are some 8,000 facts.
 */
const REPORT_LIMITS = {
  ...CONTRACT_PARSER_LIMITS,
  maxSourceLength: 8 * 1024 * 1024,
};

const HEADER = new RegExp(`"kind"\\s*:\\s*"${DISCOVER_REPORT_KIND}"`);

/**
 * Whether a file beside an entity's contracts is a discover report: a `.json` file named
 * `discovered.json`, or one whose header says `"kind": "contracts-discover-report"`. Any other
 * file is not one (it may be another format read from the same folder).
 * @public
 */
export function isDiscoverReport(file: string, text: string): boolean {
  if (!/\.json$/i.test(file)) return false;
  const name = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  return name === DISCOVER_REPORT_FILE || HEADER.test(text.slice(0, 4096));
}

const KINDS: ReadonlySet<DiscoveredFactKind> = new Set([
  'timeout',
  'retry',
  'new-id-in-retry',
  'idempotency-key',
  'replica-read',
]);

const TEXT_FIELDS = [
  'resolved',
  'unresolved',
  'target',
  'targetFrom',
  'library',
  'configKey',
] as const;

/**
 * The facts of the discover reports of one entity, each checked, and a located problem (file,
 * line, column, path in the report) for every fault: a report that does not parse, a header
 * that is not one (an unknown version, another service), a fact that is not one. A bad fact
 * is left out and its siblings stay; a bad report gives no facts and never affects the
 * entity's contract documents. Never throws.
 *
 * @param entityRef - the full ref of the entity, e.g. `component:default/checkout`
 * @param reports - the report texts, each with the file name shown in problems
 * @public
 */
export function parseDiscoverReports(
  entityRef: string,
  reports: ContractSource[],
): { facts: DiscoveredFact[]; problems: ContractProblem[] } {
  const facts: DiscoveredFact[] = [];
  const problems: ContractProblem[] = [];
  for (const report of Array.isArray(reports) ? reports : []) {
    const file =
      typeof report?.file === 'string' && report.file
        ? report.file
        : 'discover report';
    try {
      const read = readReport(entityRef, file, report?.text);
      facts.push(...read.facts);
      problems.push(...read.problems);
    } catch (error) {
      problems.push({
        entity: entityRef,
        file,
        path: '',
        message: `the discover report could not be read: ${String(
          (error as Error)?.message ?? error,
        ).slice(0, 200)}`,
      });
    }
  }
  return { facts, problems };
}

function readReport(
  entityRef: string,
  file: string,
  text: unknown,
): { facts: DiscoveredFact[]; problems: ContractProblem[] } {
  const problems: ContractProblem[] = [];
  const problem = (
    at: { line?: number; column?: number; path: string },
    message: string,
  ) => {
    const p: ContractProblem = {
      entity: entityRef,
      file,
      path: at.path,
      message,
    };
    if (at.line !== undefined) p.line = at.line;
    if (at.column !== undefined) p.column = at.column;
    problems.push(p);
  };
  if (typeof text !== 'string' || !text.trim()) {
    problem(
      { line: 1, column: 1, path: '' },
      `the discover report is empty: expected the JSON that \`contracts discover --format json\` writes`,
    );
    return { facts: [], problems };
  }
  if (!/^\s*\{/.test(text)) {
    problem(
      { line: 1, column: 1, path: '' },
      'the discover report is not a JSON object: expected the output of `contracts discover --format json`',
    );
    return { facts: [], problems };
  }
  // JSON is YAML: the YAML reader locates every value and every syntax error
  const read = readYamlSource(file, text, REPORT_LIMITS);
  for (const p of read.problems) {
    problem(
      p,
      p.message.startsWith('YAML:')
        ? `JSON: ${p.message.slice(5).trim()}`
        : p.message,
    );
  }
  const doc = read.documents[0];
  if (read.problems.length || !doc) return { facts: [], problems };
  const value = doc.value as Record<string, unknown>;
  const at = (pointer: string, atKey = false) => doc.locate(pointer, atKey);

  if (value.kind !== DISCOVER_REPORT_KIND) {
    problem(
      value.kind === undefined ? at('') : at('/kind'),
      `not a discover report: expected \`"kind": "${DISCOVER_REPORT_KIND}"\` (written by \`contracts discover --format json\`), got ${shown(
        value.kind,
      )}`,
    );
    return { facts: [], problems };
  }
  if (value.version !== DISCOVER_REPORT_VERSION) {
    problem(
      value.version === undefined ? at('') : at('/version'),
      typeof value.version === 'number' &&
        value.version > DISCOVER_REPORT_VERSION
        ? `the discover report is version ${value.version}; this reader knows version ${DISCOVER_REPORT_VERSION} (update @backstage-contracts/plugin-contracts-common)`
        : `the discover report's \`version\` must be ${DISCOVER_REPORT_VERSION}, got ${shown(
            value.version,
          )}`,
    );
    return { facts: [], problems };
  }
  if (typeof value.service !== 'string' || !value.service.trim()) {
    problem(
      value.service === undefined ? at('') : at('/service'),
      `the discover report must name its \`service\`, got ${shown(
        value.service,
      )}`,
    );
    return { facts: [], problems };
  }
  if (!namesEntity(value.service, entityRef)) {
    problem(
      at('/service'),
      `the discover report is of service \`${value.service}\`, not of ${entityRef}: its facts are left out (run \`contracts discover --service NAME\`)`,
    );
    return { facts: [], problems };
  }
  if (!Array.isArray(value.facts)) {
    problem(
      value.facts === undefined ? at('') : at('/facts'),
      `the discover report's \`facts\` must be a list, got ${shown(
        value.facts,
      )}`,
    );
    return { facts: [], problems };
  }
  const facts: DiscoveredFact[] = [];
  value.facts.forEach((raw, index) => {
    const fact = checkFact(raw, `/facts/${index}`, doc, problem);
    if (fact) facts.push(fact);
  });
  return { facts, problems };
}

/** `risk` names `component:default/risk`; a full ref must be the entity's. */
function namesEntity(service: string, entityRef: string): boolean {
  const own = entityRef.toLowerCase();
  const written = service.trim().toLowerCase();
  if (written.includes(':')) return written === own;
  return own.endsWith(`/${written}`);
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `\`${value.slice(0, 60)}\``;
  if (typeof value === 'number' || typeof value === 'boolean')
    return `\`${value}\``;
  return describeType(value);
}

function checkFact(
  raw: unknown,
  pointer: string,
  doc: LocatedDocument,
  problem: (
    at: { line?: number; column?: number; path: string },
    message: string,
  ) => void,
): DiscoveredFact | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problem(doc.locate(pointer), `a fact must be an object, got ${shown(raw)}`);
    return undefined;
  }
  const f = raw as Record<string, unknown>;
  const faults: Array<[string, string]> = [];
  if (typeof f.kind !== 'string' || !KINDS.has(f.kind as DiscoveredFactKind))
    faults.push([
      'kind',
      `\`kind\` must be one of ${[...KINDS].join(', ')}, got ${shown(f.kind)}`,
    ]);
  for (const key of ['file', 'written', 'language'] as const) {
    if (typeof f[key] !== 'string' || !(f[key] as string))
      faults.push([key, `\`${key}\` must be a text, got ${shown(f[key])}`]);
  }
  for (const key of ['line', 'column'] as const) {
    const n = f[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      faults.push([
        key,
        `\`${key}\` must be a whole number from 1, got ${shown(n)}`,
      ]);
  }
  for (const key of ['ms', 'attempts'] as const) {
    const n = f[key];
    if (
      n !== undefined &&
      (typeof n !== 'number' || !(n >= 0) || !Number.isFinite(n))
    )
      faults.push([key, `\`${key}\` must be a number from 0, got ${shown(n)}`]);
  }
  if (
    f.counts !== undefined &&
    f.counts !== 'all-tries' &&
    f.counts !== 'retries'
  )
    faults.push([
      'counts',
      `\`counts\` must be all-tries or retries, got ${shown(f.counts)}`,
    ]);
  for (const key of TEXT_FIELDS) {
    if (f[key] !== undefined && typeof f[key] !== 'string')
      faults.push([key, `\`${key}\` must be a text, got ${shown(f[key])}`]);
  }
  if (faults.length) {
    for (const [key, message] of faults) {
      const child = `${pointer}/${key}`;
      problem(
        doc.locate(key in f ? child : pointer),
        `${message}: the fact is left out`,
      );
    }
    return undefined;
  }
  const fact: DiscoveredFact = {
    kind: f.kind as DiscoveredFactKind,
    file: f.file as string,
    line: f.line as number,
    column: f.column as number,
    written: f.written as string,
    language: f.language as string,
  };
  if (f.ms !== undefined) fact.ms = f.ms as number;
  if (f.attempts !== undefined) fact.attempts = f.attempts as number;
  if (f.counts !== undefined)
    fact.counts = f.counts as DiscoveredFact['counts'];
  for (const key of TEXT_FIELDS) {
    if (f[key] !== undefined) fact[key] = f[key] as string;
  }
  return fact;
}
