/*
 * The normalized contract model shared by the parser, the rule engine, the backend, the catalog
 * module, the CLI and the frontend. Plain data only: everything here must survive JSON.
 */

/**
 * Where a value was written: the file (relative to the entity's definition, or the inline
 * annotation), 1-based line and column, and the path inside the contract document
 * (e.g. `depends_on[0].latency_budget.acceptable`).
 * @public
 */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
  path: string;
}

/**
 * A problem found in a contract document. Never thrown: returned beside the parsed contract.
 * @public
 */
export interface ContractProblem {
  /** Entity ref of the entity whose contract has the problem, e.g. `component:default/risk`. */
  entity: string;
  file?: string;
  line?: number;
  column?: number;
  /** Path inside the document, e.g. `provides[0].latency.current`; empty for the whole document. */
  path: string;
  /** What is wrong and what was expected, e.g. "unknown key `latncy_budget`: did you mean `latency_budget`?" */
  message: string;
}

/**
 * A latency at a percentile: `p95 = 3200ms`.
 * @public
 */
export interface PercentileLatency {
  /** 0 < percentile ≤ 100, e.g. 50, 95, 99, 99.9 */
  percentile: number;
  ms: number;
}

/**
 * One bound of a consumer's latency budget: `acceptable: p95 < 200ms` gives
 * `{ level: 'acceptable', percentile: 95, ms: 200 }`. The structured form `{ p95: 200ms }`
 * gives level `budget`.
 * @public
 */
export interface LatencyBound extends PercentileLatency {
  level: 'target' | 'acceptable' | 'maximum' | 'budget';
  /** The text as written, e.g. `p95 < 200ms`. */
  raw: string;
  loc: SourceLocation;
}

/**
 * Where `contracts discover` found a value in code or shipped configuration: the file (relative
 * to the repository scanned), 1-based line and column. Written in a contract document as
 * `discovered: { timeout: src/riskClient.ts:14:22 }` beside the values it marks.
 * @public
 */
export interface DiscoveredAt {
  file: string;
  line: number;
  column?: number;
}

/**
 * The values of an item that were discovered, not declared: by key of the item as written in
 * the document (`timeout`, `retry`, `max_attempts`, `on_timeout.generates_new_request_id`…).
 * A value without a mark was declared.
 * @public
 */
export type DiscoveredMarks = Record<string, DiscoveredAt>;

/**
 * A standard format a promise may be imported from (through `contracts.io/ref`, detected by the
 * document's header, or from an API entity's `spec.definition`): ODCS v3 data contracts, the
 * datacontract.com specification, Pyrra `ServiceLevelObjective`s, OpenSLO v1 `SLO`s, OpenAPI.
 * @public
 */
export type ImportFormat =
  | 'odcs'
  | 'datacontract'
  | 'pyrra'
  | 'openslo'
  | 'openapi';

/**
 * Where an imported value was read: the format, the file (as the contract's sources name it),
 * 1-based line and column where known, and the path inside that file
 * (e.g. `slaProperties[0]`, `spec.objectives[1]`).
 * @public
 */
export interface ImportedAt {
  format: ImportFormat;
  file: string;
  line?: number;
  column?: number;
  path: string;
}

/**
 * The values of an item that were imported from a standard format, by key of the item as our
 * document would write it (`latency.target`, `freshness`, `pii`, `idempotency_key`, `name`).
 * A value with neither an imported nor a discovered mark was declared.
 * @public
 */
export type ImportedMarks = Record<string, ImportedAt>;

/**
 * `depends_on[]`: a call this entity makes to another.
 * @public
 */
export interface ContractDependency {
  /** The service as written, e.g. `risk`. */
  service: string;
  /** Resolved entity ref, e.g. `component:default/risk`. */
  ref: string;
  operation?: string;
  budget: LatencyBound[];
  timeoutMs?: number;
  fallback?: string;
  /**
   * `retry: none` gives `{ raw: 'none', maxAttempts: 1 }`; `retry: 3` gives maxAttempts 3; the
   * mapping form `retry: { max_attempts: 3, backoff: exponential, per_try_timeout: 200ms,
   * retry_on: [5xx, reset] }` gives each of its values (the forms `retry_policies[]` accepts).
   */
  retry?: {
    raw: string;
    maxAttempts?: number;
    backoff?: string;
    /** How long each attempt may take; the call's `timeout` when absent. */
    perTryTimeoutMs?: number;
    retryOn?: string[];
  };
  /** The values `contracts discover` found, with where (unmarked values were declared). */
  discovered?: DiscoveredMarks;
  /**
   * The values imported from a standard format (an API gateway's timeout and retries in an
   * OpenAPI definition: `timeout`, `retry`), with where.
   */
  imported?: ImportedMarks;
  loc: SourceLocation;
}

/**
 * A promised availability: `availability: 99.95%` gives `{ percent: 99.95, raw: '99.95%' }`.
 * @public
 */
export interface Availability {
  /** 0 < percent ≤ 100. */
  percent: number;
  /** As written, e.g. `99.95%`. */
  raw: string;
  /**
   * `availability: { promise: 99.95%, metric: … }`: how the success ratio is measured
   * (Prometheus), when bound.
   */
  metric?: MetricBinding;
  loc: SourceLocation;
}

/**
 * `provides[]` with `operation`.
 * @public
 */
export interface ProvidedOperation {
  name: string;
  /** `availability` of the operation; the contract's top-level `availability` when absent. */
  availability?: Availability;
  /** `latency.current`, e.g. `p50=2800ms, p95=3200ms`. */
  current: PercentileLatency[];
  /** `latency.target`, e.g. `p50=80ms, p95=150ms (requires caching)`. */
  target: PercentileLatency[];
  /** The parenthesised note after a target, e.g. `requires caching`. */
  targetNote?: string;
  /** The latency text as written, for messages. */
  currentRaw?: string;
  targetRaw?: string;
  /** The values imported from a standard format, with where (see {@link ImportedMarks}). */
  imported?: ImportedMarks;
  /** `latency.metric`: how the latency is measured (Prometheus), when bound. */
  latencyMetric?: MetricBinding;
  loc: SourceLocation;
}

/**
 * How a promise is measured in Prometheus (`latency.metric`, `freshness.metric`):
 * `opentelemetry` (the OpenTelemetry HTTP server metric of the service, optionally of one
 * route), `histogram` (a histogram in seconds, named with its labels) or `query` (a PromQL
 * query; `$quantile` and `$window` are filled in).
 * @public
 */
export interface MetricBinding {
  kind: 'opentelemetry' | 'histogram' | 'query';
  /** `query`: the PromQL as written. */
  query?: string;
  /** `histogram`: the histogram's name (without `_bucket`) and labels, e.g. `risk_seconds{job="risk"}`. */
  histogram?: string;
  /** `opentelemetry`: the `service.name` (default: the entity's name). */
  service?: string;
  /** `opentelemetry`: the `http.route` (default: every route of the service). */
  route?: string;
  /** `query` without `$quantile`: the percentile it measures. */
  percentile?: number;
  /**
   * The unit the query answers in: `s` (default) or `ms`; for availability `ratio` (0..1,
   * default) or `%`.
   */
  unit?: 's' | 'ms' | 'ratio' | '%';
  loc: SourceLocation;
}

/**
 * What a bound promise measured (Prometheus), an input of the engine beside the contract like
 * {@link DiscoveredFact}s: it never replaces the declared value. A query that fails keeps the
 * last good value (`value`, `measuredAt`) and says why in `error`.
 * @public
 */
export interface Observation {
  /**
   * `latency` of a provided operation, `freshness` (age) of a provided dataset, `availability`
   * (success ratio) of a provided operation or — subject `*` — of the whole service.
   */
  kind: 'latency' | 'freshness' | 'availability';
  /** The operation or dataset name. */
  subject: string;
  /** `latency`: the percentile measured, e.g. 95. */
  percentile?: number;
  /** `ok`; `failing` (query error, Prometheus unreachable or slow); `no-data`; `several-series` (the query must give one). */
  status: 'ok' | 'failing' | 'no-data' | 'several-series';
  /** Milliseconds (latency at the percentile; freshness: the worst age over the window); availability: percent. Absent before a first good measurement. */
  value?: number;
  /** When `value` was measured (ISO time). */
  measuredAt?: string;
  /** When the query was last run (ISO time). */
  checkedAt: string;
  /**
   * When the observation is stale if no run has replaced it (ISO time): the backend sets three
   * of its intervals after `checkedAt`; a reader past it shows the observation as stale.
   */
  staleAfter?: string;
  /** What went wrong, when the status is not `ok`. */
  error?: string;
  /** The window, e.g. `7d`, and its length in ms. */
  window: string;
  windowMs: number;
  /** The step of the sparkline series, e.g. `5m`. */
  step: string;
  /** The PromQL query run for the window's value. */
  query: string;
  /** The Prometheus the value comes from (its URL, without credentials). */
  source: string;
  /** The window's series for a sparkline: [unix seconds, ms] pairs. */
  series?: Array<[number, number]>;
}

/**
 * A freshness guarantee: `15-30s typical, 60s max` gives typical 15000–30000 ms, max 60000 ms.
 * @public
 */
export interface Freshness {
  typicalMinMs?: number;
  typicalMaxMs?: number;
  /** The worst staleness promised; when only one number is written, that number. */
  maxMs?: number;
  raw: string;
}

/**
 * `provides[]` with `dataset`.
 * @public
 */
export interface ProvidedDataset {
  name: string;
  via?: string;
  freshness?: Freshness;
  /** The values imported from a standard format, with where (see {@link ImportedMarks}). */
  imported?: ImportedMarks;
  /** `freshness.metric`: how the dataset's age is measured (Prometheus), when bound. */
  freshnessMetric?: MetricBinding;
  derivedFrom: Array<{
    source: string;
    ref: string;
    dataset: string;
    loc: SourceLocation;
  }>;
  /** How much personal data it carries, e.g. `high`. */
  pii?: string;
  /** Who may read it, e.g. `risk_team_only`; absent or `any`: every reader. */
  access?: string;
  /** `purposes` / `allowed_use`: the uses its data may serve, wherever it travels. */
  allowedUse?: string[];
  loc: SourceLocation;
}

/**
 * `provides[]` with `endpoint`.
 * @public
 */
export interface ProvidedEndpoint {
  path: string;
  returns?: string;
  /** What the endpoint carries, by name (`data[]`). */
  data: string[];
  pii?: string;
  /** `risk_team_only`, `support_tier_2`, `any`; absent means open to every consumer. */
  access?: string;
  /** `purposes` / `allowed_use`: the uses its data may serve, wherever it travels. */
  allowedUse?: string[];
  loc: SourceLocation;
}

/**
 * `data_dependencies[]`.
 * @public
 */
export interface DataDependency {
  source: string;
  ref: string;
  dataset: string;
  freshnessRequiredMs: number;
  /** As written, e.g. `<10s`. */
  freshnessRaw: string;
  reason?: string;
  impactIfStale?: string;
  /** The values `contracts discover` found, with where (unmarked values were declared). */
  discovered?: DiscoveredMarks;
  loc: SourceLocation;
}

/**
 * `retry_policies[]`.
 * @public
 */
export interface RetryPolicy {
  /** As written, e.g. `risk.scoreTransaction`. */
  target: string;
  ref: string;
  operation?: string;
  newRequestIdOnTimeout?: boolean;
  maxAttempts?: number;
  backoff?: string;
  reason?: string;
  /** The values `contracts discover` found, with where (unmarked values were declared). */
  discovered?: DiscoveredMarks;
  loc: SourceLocation;
}

/**
 * `operations[]`: idempotency semantics of an operation this entity serves.
 * @public
 */
export interface IdempotencySpec {
  name: string;
  idempotencyKey?: string;
  /** e.g. `stable_across_retries` */
  expects?: string;
  windowMs?: number;
  /** The values `contracts discover` found, with where (unmarked values were declared). */
  discovered?: DiscoveredMarks;
  /** The values imported from a standard format, with where (see {@link ImportedMarks}). */
  imported?: ImportedMarks;
  loc: SourceLocation;
}

/**
 * `requires[]`: data this entity needs from another.
 * @public
 */
export interface DataRequirement {
  from: string;
  ref: string;
  data: string;
  accessLevel?: string;
  useCase?: string;
  loc: SourceLocation;
}

/**
 * The merged, normalized contract of one entity.
 * @public
 */
export interface EntityContract {
  entityRef: string;
  /** Top-level `availability`: the promise of the whole service (operations may have their own). */
  availability?: Availability;
  dependsOn: ContractDependency[];
  operations: ProvidedOperation[];
  datasets: ProvidedDataset[];
  endpoints: ProvidedEndpoint[];
  dataDependencies: DataDependency[];
  retryPolicies: RetryPolicy[];
  idempotency: IdempotencySpec[];
  requires: DataRequirement[];
  /** The files (or `annotation:contracts.io/spec`) the contract was read from. */
  sources: string[];
  /**
   * What `contracts discover` found in the entity's code and shipped configuration, to compare
   * with what the contract declares (rule `contract-drift`). Absent unless a caller adds it.
   */
  discovered?: DiscoveredFact[];
  /**
   * What Prometheus measured for the contract's bound promises (rules `promise-drift`,
   * `need-at-risk`). Absent unless a caller adds it; never replaces a declared value.
   */
  observed?: Observation[];
}

/**
 * What a discovered fact is about.
 * @public
 */
export type DiscoveredFactKind =
  | 'timeout'
  | 'retry'
  | 'new-id-in-retry'
  | 'idempotency-key'
  | 'replica-read';

/**
 * One fact `contracts discover` read in code or configuration, with where it was written and
 * what it says. A value it could not resolve statically says why in `unresolved` and has no
 * number: never a guessed one.
 * @public
 */
export interface DiscoveredFact {
  kind: DiscoveredFactKind;
  /** Relative to the repository scanned, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The code or configuration as written, e.g. `AbortSignal.timeout(RISK_TIMEOUT_MS)`. */
  written: string;
  /** `timeout`: the value in milliseconds, when resolved. */
  ms?: number;
  /** `retry`: the number of attempts, when resolved. */
  attempts?: number;
  /** `retry`: whether `attempts` counts every try (the first included) or only the retries. */
  counts?: 'all-tries' | 'retries';
  /** How the value was resolved: `literal`, `constant RISK_TIMEOUT_MS (src/config.ts:3)`, `0.2 s → 200 ms`. */
  resolved?: string;
  /** Why the value is not known statically, e.g. `timeout from config key RISK_TIMEOUT`, `library default`. */
  unresolved?: string;
  /** The service called (a name as in the catalog, e.g. `risk`), where the code shows it. */
  target?: string;
  /** Where the target was read from (`URL host risk.internal`, `client riskClient`, `config key RISK_URL`), or why it is unknown. */
  targetFrom?: string;
  /** The library or construct, e.g. `fetch`, `axios`, `tenacity`, `hand-written loop`, `Envoy route`. */
  library?: string;
  /** `typescript`, `javascript`, `python`, `go`, `java`, `kotlin`, `csharp`, `yaml`, `json`. */
  language: string;
  /**
   * The configuration key the value is set under (in configuration) or read from (in code,
   * when it is not known statically): `RISK_TIMEOUT_MS`, `resilience4j.retry.instances.risk.max-attempts`.
   */
  configKey?: string;
}

/**
 * One YAML text to parse for an entity.
 * @public
 */
export interface ContractSource {
  /** Shown in problems; e.g. `contracts/sla.yaml` or `annotation:contracts.io/spec`. */
  file: string;
  text: string;
  /**
   * The standard the text must be written in (an API entity's `spec.definition`: `openapi`); a
   * text in another format is a problem. Absent: detected by the document's header, our own
   * contract format when no standard's header is there.
   */
  format?: ImportFormat;
  /**
   * The entity ref of the component that provides the API an OpenAPI definition describes (the
   * catalog's `apiProvidedBy`): its gateway's timeouts and retries are calls to it.
   */
  provider?: string;
}

/**
 * What the engine needs to know of an entity besides its contract.
 * @public
 */
export interface EntitySummary {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title?: string;
  /** Entity ref of the owner, e.g. `group:default/risk-team`. */
  owner?: string;
  /** Entity ref of the system. */
  system?: string;
  /** Entity refs from `spec.dependsOn` / relations `dependsOn`. */
  dependsOn: string[];
  /** Entity refs from relations `dependencyOf`. */
  dependencyOf: string[];
}

/**
 * @public
 */
export type Severity = 'error' | 'warning' | 'tradeoff' | 'info';

/**
 * @public
 */
export type FindingStatus = 'open' | 'accepted' | 'needs-review';

/**
 * A finding in the report shape of DESIGN.md.
 * @public
 */
export interface Finding {
  /** Stable id: the fingerprint. */
  id: string;
  rule: string;
  severity: Severity;
  status: FindingStatus;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  expected: string;
  actual: string;
  impact: string;
  resolutions: string[];
  /** Hash of the values compared; changes when the evidence changes. */
  evidence: string;
  /** Who must decide (entity refs of owners and configured groups), for trade-offs and errors. */
  deciders?: string[];
  /** The essay-style message, several lines. */
  message: string;
  /** For chain rules: the entity refs of the chain, head first. */
  chain?: string[];
  /** Where the consumer's side was written, when known. */
  location?: SourceLocation & { entity: string };
  /**
   * The sides the caller may not read (the backend applies the caller's catalog read
   * permission): their ref is {@link HIDDEN_ENTITY}, and their values (expected or actual,
   * message, impact, resolutions, location, chain) are left out.
   */
  hidden?: Array<'consumer' | 'provider'>;
}

/**
 * What a finding, a decision or a graph names instead of an entity the caller cannot read.
 * @public
 */
export const HIDDEN_ENTITY = 'an entity you cannot see';

/**
 * The machine-readable report shared by the CLI (`--format json`) and the backend.
 * @public
 */
export interface ContractsReport {
  version: 1;
  findings: Finding[];
  problems: ContractProblem[];
  summary: {
    entities: number;
    contracts: number;
    edges: number;
    findings: Record<Severity, number>;
  };
}
