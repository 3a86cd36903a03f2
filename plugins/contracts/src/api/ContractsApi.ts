import { createApiRef } from '@backstage/core-plugin-api';
import type {
  CheckResult,
  ContractsFinding,
  ContractsGraph,
  Decision,
  DecisionInput,
  DecisionsQuery,
  DecisionVerdict,
  EntityContractsResponse,
  EntityHistoryPage,
  FindingsQuery,
  GraphQuery,
  Page,
  UnansweredPage,
  UnansweredQuery,
} from './types';

/**
 * The contracts backend, as the frontend sees it.
 * @public
 */
export interface ContractsApi {
  /** The contract, problems, findings and decisions of one entity. */
  getEntity(entityRef: string): Promise<EntityContractsResponse>;
  /**
   * An entity's contract history, newest first: what each recompute changed (its contract, its
   * findings opened, closed or changed, the other parties' contract changes) and the decision
   * events on its findings; paged by `cursor`.
   */
  getEntityHistory(
    entityRef: string,
    query?: { cursor?: string; limit?: number },
  ): Promise<EntityHistoryPage>;
  /**
   * The needs of others that providers have not answered, grouped per provider and subject
   * (most consumers first), by provider or by the provider's owner; paged by `cursor`.
   */
  getUnanswered(query: UnansweredQuery): Promise<UnansweredPage>;
  /** Findings across the catalog, filtered. */
  getFindings(query: FindingsQuery): Promise<Page<ContractsFinding>>;
  /** The conflict graph, whole or sliced. */
  getGraph(query?: GraphQuery): Promise<ContractsGraph>;
  /** What-if: the findings and problems these documents would cause for the entity. */
  check(
    entityRef: string,
    documents: Array<{ file: string; text: string }>,
  ): Promise<CheckResult>;
  /** Decision records, history included, by finding or by entity; paged by `cursor`. */
  getDecisions(query: DecisionsQuery): Promise<Page<Decision>>;
  /** Records a decision; `idempotencyKey` makes a retried submit safe. */
  recordDecision(
    input: DecisionInput,
    idempotencyKey?: string,
  ): Promise<Decision>;
  /** Records a decision that supersedes decision `id`. */
  supersedeDecision(
    id: string,
    input: DecisionInput,
    idempotencyKey?: string,
  ): Promise<Decision>;
  /**
   * Signs `verdict` on decision `id` for every decider group of the record the caller belongs
   * to; answers the updated record.
   */
  signDecision(id: string, verdict: DecisionVerdict): Promise<Decision>;
  /** Withdraws decision `id` (its recorder only); answers the updated record. */
  withdrawDecision(id: string): Promise<Decision>;
  /** A decision's MADR Markdown export. */
  getDecisionMarkdown(id: string): Promise<string>;
  /**
   * A decision as an ADR file to commit next to the contracts (MADR 4, `NNNN-title.md`; the CLI's
   * `--decisions DIR` reads it back): its file name and text.
   */
  getDecisionAdr(id: string): Promise<{ fileName: string; text: string }>;
}

/**
 * Reference to the {@link ContractsApi}.
 * @public
 */
export const contractsApiRef = createApiRef<ContractsApi>({
  id: 'plugin.contracts.api',
});
