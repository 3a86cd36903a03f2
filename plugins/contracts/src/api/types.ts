import type {
  ContractProblem,
  Decision,
  DecisionSignature,
  DecisionStatus,
  EntityContract,
  Finding,
  Severity,
  UnansweredNeedGroup,
} from '@backstage-contracts/plugin-contracts-common';

export type { Decision, DecisionSignature, DecisionStatus };

/**
 * A finding as the backend reports it to the calling user: the report shape, plus whether
 * this user may accept it with a decision.
 * @public
 */
export type ContractsFinding = Finding & { canAccept?: boolean };

/**
 * The body of `POST /decisions` and `POST /decisions/{id}/supersede`. The deciders are not
 * part of it: the backend takes them from the finding (owners of both sides and the groups
 * configured for the rule).
 * @public
 */
export interface DecisionInput {
  findingId: string;
  title: string;
  context?: string;
  options?: string[];
  decision: string;
  rationale: string;
  /**
   * `proposed`: a proposal only; `accepted` / `rejected`: the proposal, and the caller's
   * signature of that verdict for every decider group they belong to.
   */
  status?: 'proposed' | 'accepted' | 'rejected';
  /** `YYYY-MM-DD` */
  reviewBy?: string;
}

/**
 * The body of `POST /decisions/{id}/signatures`.
 * @public
 */
export type DecisionVerdict = DecisionSignature['verdict'];

/**
 * Filters of `GET /decisions`.
 * @public
 */
export interface DecisionsQuery {
  findingId?: string;
  entityRef?: string;
  cursor?: string;
  limit?: number;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}`.
 * @public
 */
export interface EntityContractsResponse {
  entityRef: string;
  contracts: EntityContract | null;
  problems: ContractProblem[];
  findings: ContractsFinding[];
  /** The current decision records (not superseded, not withdrawn) on the entity's findings. */
  decisions: Decision[];
  /** How many decision records there are on the entity's findings, history included. */
  decisionCount?: number;
  stale: boolean;
  computedAt: string;
}

/**
 * Filters of `GET /findings`.
 * @public
 */
export interface FindingsQuery {
  entityRef?: string;
  /** Group ref: findings where the group owns the consumer or the provider. */
  owner?: string;
  severity?: string;
  status?: string;
  rule?: string;
  cursor?: string;
  limit?: number;
}

/**
 * A page of results.
 * @public
 */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * A node of the conflict graph.
 * @public
 */
export interface ContractsGraphNode {
  ref: string;
  kind: string;
  name: string;
  owner?: string;
  system?: string;
  hasContract: boolean;
}

/**
 * An edge of the conflict graph, with the ids of the findings on it.
 * @public
 */
export interface ContractsGraphEdge {
  id: string;
  from: string;
  to: string;
  kind: 'call' | 'dataset' | 'data-need';
  subject: string;
  findings: string[];
}

/**
 * `GET /graph`.
 * @public
 */
export interface ContractsGraph {
  nodes: ContractsGraphNode[];
  edges: ContractsGraphEdge[];
  findings: ContractsFinding[];
}

/**
 * Filters of `GET /graph`.
 * @public
 */
export interface GraphQuery {
  around?: string;
  depth?: number;
  owner?: string;
  system?: string;
}

/**
 * `POST /check`: the findings and problems a changed contract would cause.
 * @public
 */
export interface CheckResult {
  findings: ContractsFinding[];
  problems: ContractProblem[];
  /** Findings the change would add, compared with today's (when the backend says). */
  added?: ContractsFinding[];
  /** Findings the change would resolve (when the backend says). */
  removed?: ContractsFinding[];
}

/**
 * One change of a contract value in the history: `field` absent when the whole item (a call,
 * an operation, an endpoint…) was added or removed.
 * @public
 */
export interface ContractValueChange {
  kind: 'added' | 'removed' | 'raised' | 'lowered' | 'changed';
  /** e.g. `operation scoreTransaction`, `call to risk.scoreTransaction`. */
  item: string;
  /** e.g. `p95 (current)`, `timeout`. */
  field?: string;
  from?: string;
  to?: string;
}

/**
 * A finding as the history recorded it.
 * @public
 */
export interface HistoryFinding {
  id: string;
  rule: string;
  severity: Severity;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  expected: string;
  actual: string;
  evidence: string;
  chain?: string[];
  /** Sides the caller may not read (named `an entity you cannot see`, values left out). */
  hidden?: Array<'consumer' | 'provider'>;
}

/**
 * An item of an entity's contract history (`GET /entities/…/history`), newest first: what one
 * recompute changed, or an event of a decision record on the entity's findings.
 * @public
 */
export type HistoryItem =
  | {
      type: 'change';
      id: string;
      at: string;
      contracts: Array<{
        entityRef: string;
        change: 'added' | 'removed' | 'changed';
        hash?: string;
        previousHash?: string;
        changes: ContractValueChange[];
        more: number;
        hidden?: boolean;
      }>;
      findings: Array<{
        change: 'opened' | 'closed' | 'changed';
        finding: HistoryFinding;
        previous?: Pick<
          HistoryFinding,
          'evidence' | 'expected' | 'actual' | 'severity'
        >;
      }>;
    }
  | {
      type: 'decision';
      id: string;
      at: string;
      event: 'recorded' | 'signed' | 'withdrawn';
      decisionId: string;
      findingId: string;
      rule: string;
      consumer: string;
      provider: string;
      subject: string;
      title: string;
      actor: string;
      decider?: string;
      verdict?: 'accept' | 'reject';
    };

/**
 * A page of an entity's contract history.
 * @public
 */
export interface EntityHistoryPage extends Page<HistoryItem> {
  entityRef: string;
}

/**
 * Needs of others on one subject of a provider that it has not answered (`GET /unanswered`).
 * @public
 */
export type UnansweredNeeds = UnansweredNeedGroup & {
  /** The provider's owner. */
  owner?: string;
};

/**
 * A page of `GET /unanswered`.
 * @public
 */
export interface UnansweredPage extends Page<UnansweredNeeds> {
  /** Groups over all pages. */
  total: number;
  stale?: boolean;
  computedAt?: string;
}

/**
 * Filters of `GET /unanswered`.
 * @public
 */
export interface UnansweredQuery {
  /** Only the needs on this entity. */
  provider?: string;
  /** Only the needs on providers this group (or user) owns. */
  owner?: string;
  limit?: number;
  cursor?: string;
}
