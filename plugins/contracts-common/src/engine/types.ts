import type {
  EntityContract,
  EntitySummary,
  Finding,
  IdempotencySpec,
  ProvidedDataset,
  ProvidedOperation,
  Severity,
  SourceLocation,
} from '../types';

/**
 * Configuration of the rule engine.
 * @public
 */
export interface EngineConfig {
  /** Per rule id: override the severity of all its findings, or disable it. */
  rules?: Record<string, { severity?: Severity; enabled?: boolean }>;
  /** `retry-amplification` fires when attempts multiply beyond this along a chain. Default 10. */
  retryAmplificationBound?: number;
  /**
   * `promise-drift` fires when an observed value is worse than the declared one by more than
   * this share of it. Default 0.1 (10 %).
   */
  promiseDriftTolerance?: number;
  /**
   * Per rule id: entity refs of groups that must take part in decisions on its findings, besides
   * the owners of both sides, e.g. `{ 'access-policy': ['group:default/security-team'] }`.
   */
  deciders?: Record<string, string[]>;
}

/**
 * A dataset found for a data dependency: the entity providing it, and the source entity it was
 * reached through when that differs (`orders-db` for `orders`).
 * @public
 */
export interface DatasetMatch {
  /** The resolved `source` entity, if any. */
  source?: string;
  /** The entity whose contract provides the dataset. */
  provider?: string;
  dataset?: ProvidedDataset;
  /** True when some candidate (the source or an entity tied to it) has a contract that declares datasets. */
  candidatesDeclareDatasets: boolean;
  /**
   * Whether some candidate has a contract at all (declared or imported): when none has, a need
   * on the dataset is an unanswered need, else an unresolved reference its owners must answer.
   * Optional for contexts written before it; the engine's always sets it.
   */
  candidatesHaveContract?: boolean;
}

/**
 * Indexed, read-only view of the catalog and its contracts given to rules. Every read is
 * recorded so that incremental analysis knows which entities a rule's result depends on: rules
 * must read other entities only through this context.
 * @public
 */
export interface RuleContext {
  /** `retryAmplificationBound` etc., with defaults applied. */
  readonly settings: {
    retryAmplificationBound: number;
    promiseDriftTolerance: number;
  };
  /** The entity with exactly this ref. */
  entity(ref: string): EntitySummary | undefined;
  /** The contract of the entity with exactly this ref. */
  contract(ref: string): EntityContract | undefined;
  /**
   * The entity a contract reference points at: the exact ref, or, when no entity has it, the
   * entity of the same namespace and name of any kind (component, resource, api, system first).
   */
  resolve(ref: string): EntitySummary | undefined;
  /** Entities tied to this one in the catalog (`dependsOn` / `dependencyOf`, both directions), sorted. */
  tiedEntities(ref: string): string[];
  /** What the catalog says this entity depends on (its `dependsOn`, and others' `dependencyOf`), sorted. */
  catalogDependencies(ref: string): string[];
  /** `provides[].operation` of an entity's contract. */
  operation(ref: string, name: string): ProvidedOperation | undefined;
  /** `operations[]` (idempotency) of an entity's contract. */
  idempotency(ref: string, name: string): IdempotencySpec | undefined;
  /** `provides[].dataset` of an entity's contract. */
  dataset(ref: string, name: string): ProvidedDataset | undefined;
  /** Finds a dataset on a data dependency's source or on the entities tied to it. */
  findDataset(sourceRef: string, dataset: string): DatasetMatch;
  /**
   * Memoizes a computation over the current catalog (e.g. a walk down a call chain) for the
   * rest of the analysis; the reads it made count for every later caller. `key` must identify
   * the computation completely (prefix it with your rule id), together with `about`: the entity
   * ref, or the object (e.g. a contract), it concerns when there is one; it is kept with it.
   * The value must not be mutated.
   */
  memo<T>(key: string, compute: () => T, about?: string | object): T;
}

/**
 * An edge a finding lies on; matched against graph edges by from, to and subject.
 * @public
 */
export interface EdgeRef {
  from: string;
  to: string;
  subject: string;
}

/**
 * What a rule reports; the engine turns it into a {@link Finding} (id, evidence hash,
 * deciders, severity from configuration, the essay-style message).
 * @public
 */
export interface FindingDraft {
  /** Defaults to the rule's default severity; configuration overrides both. */
  severity?: Severity;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  expected: string;
  actual: string;
  impact: string;
  resolutions: string[];
  /** The values compared; hashed into the finding's evidence. */
  evidence: unknown;
  /** Message lines under the title, e.g. `checkout expects: p95 < 200ms`. */
  details: string[];
  /** Message lines after the blank line, e.g. `Impact: …`, `Resolutions:`, `Trade-off: …`. */
  notes?: string[];
  /** The `Action:` line. */
  action?: string;
  chain?: string[];
  location?: SourceLocation;
  /** Graph edges the finding lies on; defaults to consumer → provider on the subject. */
  edges?: EdgeRef[];
}

/**
 * A rule of the engine. Rules are evaluated once per entity that has a contract (the anchor)
 * and read everything else through the context, so incremental analysis can re-run exactly the
 * anchors an edit touches. A finding's `consumer` should be the anchor.
 * @public
 */
export interface ContractRule {
  /** Stable id, e.g. `latency-budget`. */
  id: string;
  title: string;
  defaultSeverity: Severity;
  description: string;
  evaluate(anchor: EntityContract, ctx: RuleContext): FindingDraft[];
}

/**
 * A node of the conflict graph: an entity.
 * @public
 */
export interface GraphNode {
  ref: string;
  kind: string;
  name: string;
  owner?: string;
  system?: string;
  hasContract: boolean;
}

/**
 * An edge of the conflict graph: a contract dependency.
 * @public
 */
export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  /** `call`: depends_on / retry_policies; `dataset`: data_dependencies / derived_from; `data-need`: requires. */
  kind: 'call' | 'dataset' | 'data-need';
  /** The operation, dataset or data named. */
  subject: string;
  /** For a dataset read through another entity (`orders-db` for `orders`): that entity. */
  via?: string;
  /** Ids of the findings on this edge, sorted. */
  findings: string[];
}

/**
 * @public
 */
export interface ConflictGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/**
 * @public
 */
export interface AnalysisResult {
  graph: ConflictGraph;
  findings: Finding[];
}

/**
 * @public
 */
export interface AnalyzeInput {
  entities: EntitySummary[];
  contracts: EntityContract[];
  config?: EngineConfig;
  rules?: ContractRule[];
}

/**
 * An incremental analyzer: keeps the conflict graph and re-evaluates only what an edit touches.
 * @public
 */
export interface Analyzer {
  /** Adds or replaces an entity and its contract (none: the entity has no contract). */
  upsert(entity: EntitySummary, contract?: EntityContract): void;
  remove(ref: string): void;
  /**
   * The current result; same as {@link analyze} over the current entities and contracts. A
   * result never changes afterwards, whatever edits follow. Its `graph.edges` array is made
   * when first read (a large graph's edges are not copied for a result nobody reads them of).
   */
  result(): AnalysisResult;
}
