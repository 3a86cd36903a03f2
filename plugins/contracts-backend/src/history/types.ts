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

/**
 * A contract's row as the store writes it, made in the worker (./historyWork.ts): `ref` its
 * lower-cased ref; `before` the hash the stored state must still have (absent: a new contract);
 * `after` its hash and stripped form's JSON (absent: gone); `body` its event's JSON.
 */
export interface ContractRow {
  ref: string;
  before?: string;
  after?: { hash: string; json: string };
  body: string;
}

/**
 * A finding's row as the store writes it: `before` the evidence hash the stored state must
 * still have (absent: opened), `after` its evidence hash and JSON as the history keeps it
 * (absent: closed), `consumer` and `provider` lower-cased, `body` its event's JSON (empty for the
 * baseline's, which writes no event).
 */
export interface FindingRow {
  id: string;
  consumer: string;
  provider: string;
  before?: string;
  after?: { evidence: string; json: string };
  body: string;
}

/** What one recompute changed, as the store writes it. */
export interface HistoryRows {
  contracts: ContractRow[];
  findings: FindingRow[];
}

/** A position in an entity's history: the last item of a page. */
export interface HistoryPosition {
  at: string;
  /** 1: a change, 0: a decision event (a change comes first at the same time). */
  rank: 0 | 1;
  id: number;
}
