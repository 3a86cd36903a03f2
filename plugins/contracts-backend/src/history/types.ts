/*
 * The contract history's shapes: what is recorded per recompute, and what
 * `GET /entities/{kind}/{namespace}/{name}/history` answers.
 */
import type {
  ContractValueChange,
  HistoryContractChange,
  HistoryFinding,
  HistoryFindingChange,
  HistoryItem,
} from '@backstage-contracts/plugin-contracts-common';
import type { StrippedContract } from './contractChanges';

export type {
  ContractValueChange,
  HistoryContractChange,
  HistoryFinding,
  HistoryFindingChange,
  HistoryItem,
  StrippedContract,
};

/** A contract as recorded: its hash and its normalized form without locations. */
export interface RecordedContract {
  hash: string;
  contract: StrippedContract;
}

/**
 * A contract as a transition writes it: recorded, or its stripped form's JSON as it came (the
 * baseline's, written as it is: nothing is compared).
 */
export type TransitionContract =
  | RecordedContract
  | { hash: string; json: string };

/**
 * One thing a recompute changed. `before`: the state the replica saw before (absent: new);
 * `after`: what it sees now (absent: gone).
 */
export type HistoryTransition =
  | {
      type: 'contract';
      entityRef: string;
      before?: RecordedContract;
      after?: TransitionContract;
      changes: ContractValueChange[];
      more: number;
    }
  | { type: 'finding'; before?: HistoryFinding; after?: HistoryFinding };

/** A position in an entity's history: the last item of a page. */
export interface HistoryPosition {
  at: string;
  /** 1: a change, 0: a decision event (a change comes first at the same time). */
  rank: 0 | 1;
  id: number;
}
