import type {
  FactRetriever,
  FactRetrieverContext,
  TechInsightFact,
} from '@backstage-community/plugin-tech-insights-node';
import { parseEntityRef } from '@backstage/catalog-model';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import { DateTime } from 'luxon';
import { ContractsClient } from './ContractsClient';

/**
 * The id of the contracts fact retriever: the key under `techInsights.factRetrievers` that
 * schedules it, and the `factIds` entry of a check that reads its facts.
 *
 * @public
 */
export const CONTRACTS_FACT_RETRIEVER_ID = 'contractsFactRetriever';

/**
 * The facts the contracts fact retriever gives for each entity the contracts backend reads.
 *
 * @public
 */
export interface ContractsFacts {
  /** Whether the entity carries a contract (declared or imported). */
  hasContracts: boolean;
  /** Error findings on the entity (as consumer or provider) that no accepted decision answers. */
  openErrors: number;
  /** Problems in the entity's own contract documents (`contracts check` fails on them too). */
  contractProblems: number;
  /** Warning findings on the entity that no accepted decision answers. */
  openWarnings: number;
  /** Trade-off findings on the entity with no accepted decision (status `open`). */
  undecidedTradeoffs: number;
  /**
   * Days the oldest undecided trade-off has waited since it opened (from the contracts
   * history), 0 when none has.
   */
  oldestUndecidedTradeoffDays: number;
  /**
   * Undecided trade-offs that were already there when the contracts history began (or opened
   * before its retention), whose age is therefore unknown.
   */
  undecidedTradeoffsOfUnknownAge: number;
  /** Accepted decisions on the entity's findings whose `reviewBy` day has passed. */
  decisionsPastReview: number;
}

const schema = {
  hasContracts: {
    type: 'boolean',
    description: 'The entity carries a contract (declared or imported).',
  },
  openErrors: {
    type: 'integer',
    description:
      'Error findings on the entity (consumer or provider) with no accepted decision: they block integration.',
  },
  contractProblems: {
    type: 'integer',
    description:
      'Problems in the entity’s own contract documents (values that do not parse, unknown keys).',
  },
  openWarnings: {
    type: 'integer',
    description: 'Warning findings on the entity with no accepted decision.',
  },
  undecidedTradeoffs: {
    type: 'integer',
    description:
      'Trade-off findings on the entity that wait for a recorded decision.',
  },
  oldestUndecidedTradeoffDays: {
    type: 'float',
    description:
      'Days since the oldest undecided trade-off opened (contracts history); 0 when none.',
  },
  undecidedTradeoffsOfUnknownAge: {
    type: 'integer',
    description:
      'Undecided trade-offs older than the contracts history (there when it began), age unknown.',
  },
  decisionsPastReview: {
    type: 'integer',
    description:
      'Accepted decisions on the entity’s findings whose review-by day has passed.',
  },
} as const;

/** @public */
export interface ContractsFactRetrieverOptions {
  /** The current time (tests); defaults to the clock. */
  now?: () => Date;
}

/**
 * The contracts fact retriever: one fact row per entity of the contracts graph, read from the
 * contracts backend (`/api/contracts`) with the retriever's service credentials.
 *
 * @public
 */
export function createContractsFactRetriever(
  options: ContractsFactRetrieverOptions = {},
): FactRetriever {
  const now = options.now ?? (() => new Date());
  return {
    id: CONTRACTS_FACT_RETRIEVER_ID,
    version: '0.1.0',
    title: 'Contracts',
    description:
      'Backstage Contracts: open errors, warnings, undecided trade-offs and their age, decisions past review, whether the entity has a contract.',
    schema,
    async handler(ctx: FactRetrieverContext): Promise<TechInsightFact[]> {
      const client = new ContractsClient(ctx);
      const graph = await client.graph();
      if (!graph.computedAt) {
        // nothing computed yet: no facts rather than zeros that would pass every check
        ctx.logger.warn(
          'The contracts graph is not computed yet; no contracts facts this time',
        );
        return [];
      }
      const [{ findings, problems }, decisions] = await Promise.all([
        client.findings(),
        client.decisions(),
      ]);
      const at = now();
      const today = at.toISOString().slice(0, 10);

      const byEntity = new Map<string, Finding[]>();
      for (const finding of findings) {
        for (const ref of new Set([finding.consumer, finding.provider])) {
          const list = byEntity.get(ref) ?? [];
          list.push(finding);
          byEntity.set(ref, list);
        }
      }
      const problemCount = new Map<string, number>();
      for (const problem of problems) {
        problemCount.set(
          problem.entity,
          (problemCount.get(problem.entity) ?? 0) + 1,
        );
      }
      const pastReview = new Map<string, number>();
      for (const decision of decisions) {
        // reviewBy is a day (YYYY-MM-DD) or a date-time: past once its day is before today
        if (decision.status !== 'accepted' || !decision.reviewBy) continue;
        if (decision.reviewBy.slice(0, 10) >= today) continue;
        for (const ref of new Set([decision.consumer, decision.provider])) {
          if (ref) pastReview.set(ref, (pastReview.get(ref) ?? 0) + 1);
        }
      }

      const facts: TechInsightFact[] = [];
      for (const node of graph.nodes) {
        const entity = parseEntityRef(node.ref);
        const own = byEntity.get(node.ref) ?? [];
        const open = (severity: Finding['severity']) =>
          own.filter(f => f.severity === severity && f.status !== 'accepted');
        const undecided = own.filter(
          f => f.severity === 'tradeoff' && f.status === 'open',
        );
        let oldestDays = 0;
        let unknownAge = 0;
        if (undecided.length) {
          // one entity's history that cannot be read leaves its trade-offs' age unknown (they
          // fail the 14-day check), not the other entities without facts
          const opened = await client
            .openedAt(entity, new Set(undecided.map(f => f.id)))
            .catch(error => {
              ctx.logger.warn('Contracts history could not be read', {
                entity: node.ref,
                error: String(error?.message ?? error),
              });
              return new Map<string, string>();
            });
          for (const finding of undecided) {
            const since = opened.get(finding.id);
            if (!since) {
              unknownAge++;
              continue;
            }
            const days = (at.getTime() - Date.parse(since)) / 86_400_000;
            oldestDays = Math.max(oldestDays, Math.round(days * 100) / 100);
          }
        }
        const values: ContractsFacts = {
          hasContracts: node.hasContract,
          openErrors: open('error').length,
          contractProblems: problemCount.get(node.ref) ?? 0,
          openWarnings: open('warning').length,
          undecidedTradeoffs: undecided.length,
          oldestUndecidedTradeoffDays: oldestDays,
          undecidedTradeoffsOfUnknownAge: unknownAge,
          decisionsPastReview: pastReview.get(node.ref) ?? 0,
        };
        facts.push({
          entity: {
            kind: entity.kind,
            namespace: entity.namespace,
            name: entity.name,
          },
          facts: { ...values },
          timestamp: DateTime.fromJSDate(at),
        });
      }
      return facts;
    },
  };
}
