import type {
  ContractProblem,
  Decision,
  DecisionSignature,
  DecisionStatus,
  EntityContract,
  Finding,
  UnansweredNeedGroup,
} from '@backstage-contracts/plugin-contracts-common';
import type { components, paths } from './generated/openapi';

/*
 * The HTTP surface (queries, bodies, the graph's nodes and edges, page envelopes) is typed
 * from the backend's OpenAPI spec (`plugins/contracts-backend/src/schema/openapi.yaml`,
 * generated into `./generated/openapi.ts` by `yarn generate:openapi` there). The records it
 * carries (findings, decisions, contracts, problems) keep the engine's own types from
 * contracts-common, which the spec describes more loosely.
 */

/** The query of a GET route, as the spec gives it. */
type QueryOf<P extends keyof paths> = paths[P] extends {
  get: { parameters: { query?: infer Q } };
}
  ? NonNullable<Q>
  : never;

type Schemas = components['schemas'];

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
export type DecisionInput = Omit<
  Schemas['NewDecision'],
  'findingId' | 'status'
> & {
  findingId: string;
  /**
   * `proposed` (the default): a proposal only; `accepted` / `rejected`: the proposal, and the
   * caller's signature of that verdict for every decider group they belong to.
   */
  status?: Schemas['NewDecision']['status'];
};

/**
 * The body of `POST /decisions/{id}/signatures`.
 * @public
 */
export type DecisionVerdict = DecisionSignature['verdict'];

/**
 * Filters of `GET /decisions`.
 * @public
 */
export type DecisionsQuery = QueryOf<'/decisions'>;

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
export type FindingsQuery = QueryOf<'/findings'>;

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
export type ContractsGraphNode = Schemas['GraphNode'];

/**
 * An edge of the conflict graph, with the ids of the findings on it.
 * @public
 */
export type ContractsGraphEdge = Schemas['GraphEdge'];

/**
 * `GET /graph`.
 * @public
 */
export type ContractsGraph = Pick<Schemas['Graph'], 'nodes' | 'edges'> &
  Partial<Pick<Schemas['Graph'], 'stale' | 'computedAt'>> & {
    findings: ContractsFinding[];
  };

/**
 * Filters of `GET /graph`.
 * @public
 */
export type GraphQuery = QueryOf<'/graph'>;

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
export type UnansweredQuery = QueryOf<'/unanswered'>;
