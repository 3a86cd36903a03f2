import { CONTRACTS_FACT_RETRIEVER_ID } from './contractsFactRetriever';

/**
 * A check of the tech-insights JSON rules engine (`techInsights.factChecker.checks.<id>` in
 * app-config), as the jsonfc module reads it.
 *
 * @public
 */
export type ContractsCheckConfig = {
  type: 'json-rules-engine';
  name: string;
  description: string;
  factIds: string[];
  rule: {
    conditions: {
      all: Array<{ fact: string; operator: string; value: number | boolean }>;
    };
  };
};

/**
 * The checks an adopter can use as they are, keyed by check id: the value of
 * `techInsights.factChecker.checks` (merge them with your own). The package README lists
 * them as YAML; a test keeps the two equal.
 *
 * @public
 */
export const contractsChecks: Record<string, ContractsCheckConfig> = {
  contractsNoBlockingConflicts: {
    type: 'json-rules-engine',
    name: 'No blocking contract conflicts',
    description:
      'No error finding without an accepted decision and no problem in the entity’s contracts: what fails `contracts check` and blocks integration.',
    factIds: [CONTRACTS_FACT_RETRIEVER_ID],
    rule: {
      conditions: {
        all: [
          { fact: 'openErrors', operator: 'equal', value: 0 },
          { fact: 'contractProblems', operator: 'equal', value: 0 },
        ],
      },
    },
  },
  contractsTradeoffsDecidedWithin14Days: {
    type: 'json-rules-engine',
    name: 'No trade-off left undecided for 14 days',
    description:
      'Every trade-off on the entity got a recorded decision within 14 days of opening (one already there when the contracts history began counts as waiting longer).',
    factIds: [CONTRACTS_FACT_RETRIEVER_ID],
    rule: {
      conditions: {
        all: [
          {
            fact: 'oldestUndecidedTradeoffDays',
            operator: 'lessThan',
            value: 14,
          },
          {
            fact: 'undecidedTradeoffsOfUnknownAge',
            operator: 'equal',
            value: 0,
          },
        ],
      },
    },
  },
  contractsDecisionsReviewed: {
    type: 'json-rules-engine',
    name: 'No decision past its review date',
    description:
      'No accepted trade-off decision on the entity’s findings is past its review-by day.',
    factIds: [CONTRACTS_FACT_RETRIEVER_ID],
    rule: {
      conditions: {
        all: [{ fact: 'decisionsPastReview', operator: 'equal', value: 0 }],
      },
    },
  },
};
