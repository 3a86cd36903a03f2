import type {
  ContractProblem,
  Decision,
  DecisionStatus,
  EntityContract,
  Finding,
} from '@internal/backstage-plugin-contracts-common';

export type { Decision, DecisionStatus };

/**
 * A finding as the backend reports it to the calling user: the report shape, plus whether
 * this user may accept it with a decision.
 * @public
 */
export type ContractsFinding = Finding & { canAccept?: boolean };

/**
 * The body of `POST /decisions` and `POST /decisions/{id}/supersede`.
 * @public
 */
export interface DecisionInput {
  findingId: string;
  title: string;
  context?: string;
  options?: string[];
  decision: string;
  rationale: string;
  deciders?: string[];
  status?: 'proposed' | 'accepted' | 'rejected';
  reviewBy?: string;
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
  decisions: Decision[];
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
