/*
 * The contract history's shapes, as `GET /entities/{kind}/{namespace}/{name}/history` answers
 * them: one description for the backend that writes them and the frontend that reads them.
 */
import type { Severity } from './types';

/**
 * One change of a contract value between two recomputes: `field` absent when the whole item (a
 * call, an operation, an endpoint…) was added or removed.
 * @public
 */
export interface ContractValueChange {
  kind: 'added' | 'removed' | 'raised' | 'lowered' | 'changed';
  /** The item, e.g. `operation scoreTransaction`, `call to risk.scoreTransaction`. */
  item: string;
  /** The value of the item, e.g. `p95 (current)`, `timeout`. */
  field?: string;
  from?: string;
  to?: string;
}

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

/**
 * A contract that changed in a recompute.
 * @public
 */
export interface HistoryContractChange {
  entityRef: string;
  change: 'added' | 'removed' | 'changed';
  hash?: string;
  previousHash?: string;
  changes: ContractValueChange[];
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
 * An item of an entity's contract history, newest first: what one recompute changed, or an
 * event of a decision record on the entity's findings.
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

/**
 * A page of an entity's contract history.
 * @public
 */
export interface EntityHistoryPage {
  entityRef: string;
  items: HistoryItem[];
  /** Absent on the last page. */
  nextCursor?: string;
}
