/*
 * Runs the engine of contracts-common over loaded entries. No rule lives here.
 */
import {
  analyze,
  applyDecisions,
  buildReport,
  type ConflictGraph,
  type ContractProblem,
  type ContractsReport,
  type DecisionRecord,
  type DiscoveredFact,
  type EngineConfig,
  type EntityContract,
  type EntitySummary,
  type Finding,
  type Observation,
  parseDiscoverReports,
  parseEntityContract,
  type SarifArtifact,
  type Severity,
  unknownDeciders,
} from '@backstage-contracts/plugin-contracts-common';
import { summarize } from './catalog/summary';
import type { CatalogEntry, LoadedCatalog } from './catalog/types';
import { displayPath } from './catalog/files';
import type { FailOn } from './options';
import { ONE_SHOT, type ParsedEntries } from './parallel';

/** A report and what it was computed from. */
export interface Analysis {
  report: ContractsReport;
  graph: ConflictGraph;
  entries: Map<string, CatalogEntry>;
  summaries: Map<string, EntitySummary>;
}

/** Options of {@link runAnalysis}. */
export interface AnalysisOptions {
  config?: EngineConfig;
  decisions?: DecisionRecord[];
  now?: number;
  /**
   * Receives the milliseconds spent parsing contracts (`parse`), running the engine (`engine`)
   * and building the report (`build report`: decisions applied, findings and problems sorted).
   */
  timings?: Record<string, number>;
  /** Contracts parsed already (by a `ParallelParser`), by entry. */
  parsed?: ParsedEntries;
  /**
   * Facts `contracts discover` found, by entity ref: added to that entity's contract (an empty
   * one when it has none) for the rule `contract-drift`, instead of its committed reports.
   */
  discovered?: Map<string, DiscoveredFact[]>;
  /** What `--prometheus` measured, by entity ref: added beside the contract's declared values. */
  observed?: Map<string, Observation[]>;
}

/** Parses every contract, analyzes the whole graph, applies decisions and builds the report. */
export function runAnalysis(
  catalog: LoadedCatalog,
  options: AnalysisOptions = {},
): Analysis {
  const entries = new Map<string, CatalogEntry>();
  const summaries = new Map<string, EntitySummary>();
  const contracts: EntityContract[] = [];
  const problems: ContractProblem[] = [...catalog.problems];
  const started = performance.now();
  for (const entry of catalog.entries) {
    entries.set(entry.ref, entry);
    summaries.set(entry.ref, summarize(entry.entity, entry.ref));
    problems.push(...entry.problems);
    let discovered = options.discovered?.get(entry.ref);
    if (!discovered && entry.reports?.length) {
      // the reports the service's CI committed, read as the catalog module reads them
      const read = parseDiscoverReports(entry.ref, entry.reports);
      problems.push(...read.problems);
      if (read.facts.length) discovered = read.facts;
    }
    if (entry.sources.length || discovered) {
      const parsed =
        options.parsed?.get(entry) ??
        parseEntityContract(entry.ref, entry.sources, ONE_SHOT);
      if (discovered) parsed.contract.discovered = discovered;
      const observed = options.observed?.get(entry.ref);
      if (observed) parsed.contract.observed = observed;
      contracts.push(parsed.contract);
      problems.push(...parsed.problems);
    }
  }
  // decider groups the configuration names but the catalog lacks (judged only when the
  // catalog read holds the organization: a few catalog files without groups cannot tell)
  const refs = new Set([...summaries.keys()].map(r => r.toLowerCase()));
  if ([...summaries.values()].some(s => s.kind.toLowerCase() === 'group')) {
    problems.push(
      ...unknownDeciders(options.config, ref => refs.has(ref.toLowerCase())),
    );
  }
  const parsed = performance.now();
  const result = analyze({
    entities: [...summaries.values()],
    contracts,
    config: options.config,
  });
  const analyzed = performance.now();
  const findings = applyDecisions(
    result.findings,
    options.decisions ?? [],
    options.now ?? Date.now(),
  );
  const report = buildReport({
    findings,
    problems,
    entities: summaries.size,
    contracts,
    edges: result.graph.edges,
  });
  if (options.timings) {
    options.timings.parse = parsed - started;
    options.timings.engine = analyzed - parsed;
    options.timings['build report'] = performance.now() - analyzed;
  }
  return { report, graph: result.graph, entries, summaries };
}

const RANK: Record<Severity, number> = {
  error: 3,
  warning: 2,
  tradeoff: 1,
  info: 0,
};

/** True when a finding fails the build at this threshold (accepted findings never do). */
export function reaches(finding: Finding, failOn: FailOn): boolean {
  return (
    failOn !== 'never' &&
    finding.status !== 'accepted' &&
    RANK[finding.severity] >= RANK[failOn]
  );
}

/** The exit code of `contracts check`: 1 when a finding or a contract problem reaches --fail-on. */
export function checkExitCode(report: ContractsReport, failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  return report.problems.length > 0 ||
    report.findings.some(f => reaches(f, failOn))
    ? 1
    : 0;
}

/** Locates entities and their contract files for SARIF, relative to `root`. */
export function sarifLocator(
  entries: Map<string, CatalogEntry>,
  root: string,
): (entity: string, file?: string) => SarifArtifact | undefined {
  // each file's URI made once: findings name the same few files again and again (making it
  // per call was 340 of 830 ms of SARIF results for 87,627 findings, `yarn bench:findings`)
  const uris = new Map<string, string>();
  const uriOf = (abs: string) => {
    let uri = uris.get(abs);
    if (uri === undefined) {
      uri = encodeURI(displayPath(root, abs));
      uris.set(abs, uri);
    }
    return uri;
  };
  return (entity, file) => {
    const entry = entries.get(entity);
    // problems of files that define no entity (broken YAML) name the file from `root`
    if (!entry && file) return { uri: encodeURI(file) };
    if (!entry?.file) return undefined;
    if (file) {
      const abs = entry.sourcePaths.get(file);
      if (!abs || abs === entry.file) return undefined;
      return { uri: uriOf(abs) };
    }
    return { uri: uriOf(entry.file), startLine: entry.line };
  };
}
