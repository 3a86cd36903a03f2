/*
 * The contract history's shapes: what is recorded per recompute, and what
 * `GET /entities/{kind}/{namespace}/{name}/history` answers.
 */
import type { Severity } from '@backstage-contracts/plugin-contracts-common';
import type { ContractChange, StrippedContract } from './contractChanges';

export type { ContractChange, StrippedContract };

/**
 * A finding as the history keeps it: what it said when it opened, changed or closed.
 * @public
 */
export interface HistoryFinding {
  /** The fingerprint. */
  id: string;
  rule: string;
  severity: Severity;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  expected: string;
  actual: string;
  /** The evidence hash. */
  evidence: string;
  chain?: string[];
}

/** A contract as recorded: its hash and its normalized form without locations. */
export interface RecordedContract {
  hash: string;
  contract: StrippedContract;
}

/**
 * One thing a recompute changed. `before`: the state the replica saw before (absent: new);
 * `after`: what it sees now (absent: gone).
 */
export type HistoryTransition =
  | {
      type: 'contract';
      entityRef: string;
      before?: RecordedContract;
      after?: RecordedContract;
      changes: ContractChange[];
      more: number;
    }
  | { type: 'finding'; before?: HistoryFinding; after?: HistoryFinding };

/**
 * A contract that changed in a recompute.
 * @public
 */
export interface HistoryContractChange {
  entityRef: string;
  change: 'added' | 'removed' | 'changed';
  hash?: string;
  previousHash?: string;
  changes: ContractChange[];
  /** Changes beyond those listed. */
  more: number;
  /** The entity is one the caller may not read: its ref is hidden and its changes left out. */
  hidden?: boolean;
}

/**
 * A finding a recompute opened, closed or changed the evidence of.
 * @public
 */
export interface HistoryFindingChange {
  change: 'opened' | 'closed' | 'changed';
  /** As it is after the change (closed: as it was). */
  finding: HistoryFinding & { hidden?: Array<'consumer' | 'provider'> };
  /** `changed`: what it said before. */
  previous?: Pick<
    HistoryFinding,
    'evidence' | 'expected' | 'actual' | 'severity'
  >;
}

/**
 * An item of an entity's contract history, newest first.
 * @public
 */
export type HistoryItem =
  | {
      type: 'change';
      /** The change's id (a recompute that changed something). */
      id: string;
      at: string;
      contracts: HistoryContractChange[];
      findings: HistoryFindingChange[];
    }
  | {
      type: 'decision';
      /** The decision event's id (its `seq`). */
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
      /** Who recorded, signed or withdrew. */
      actor: string;
      /** `signed`: for which decider, and how. */
      decider?: string;
      verdict?: 'accept' | 'reject';
    };

/** A position in an entity's history: the last item of a page. */
export interface HistoryPosition {
  at: string;
  /** 1: a change, 0: a decision event (a change comes first at the same time). */
  rank: 0 | 1;
  id: number;
}
