import type {
  ContractProblem,
  Decision,
  DecisionSignature,
  DecisionStatus,
  EntityContract,
  Finding,
  UnansweredNeedGroup,
} from '@backstage-contracts/plugin-contracts-common';

export type { Decision, DecisionSignature, DecisionStatus };
export type {
  ContractValueChange,
  EntityHistoryPage,
  HistoryFinding,
  HistoryItem,
} from '@backstage-contracts/plugin-contracts-common';

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
