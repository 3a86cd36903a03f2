import type {
  Decision,
  DecisionSignature,
  RecordedDecisionStatus,
} from '@backstage-contracts/plugin-contracts-common';

export type { Decision, DecisionSignature, RecordedDecisionStatus };

/**
 * What is stored for a new decision: a {@link Decision} before the store gives it its id and
 * time, recorded with a status other than `superseded`.
 * @public
 */
export interface NewDecision
  extends Omit<
    Decision,
    | 'id'
    | 'options'
    | 'deciders'
    | 'status'
    | 'supersededBy'
    | 'recordedAt'
    | 'signatures'
    | 'awaiting'
    | 'withdrawnBy'
    | 'withdrawnAt'
  > {
  options?: string[];
  /** From the engine: the finding's deciders (validated entity refs). */
  deciders: string[];
  /** The proposer's stance; its verdict is written as `signatures`. */
  status: RecordedDecisionStatus;
  /** Signatures stored with the record: the proposer's verdict, rejections carried over. */
  signatures?: NewSignature[];
  /** With the recorder: a retried request with the same key returns the first record. */
  idempotencyKey?: string;
  /** Hash of the request; a key used again with another hash is refused. */
  requestHash?: string;
}

/**
 * A signature to store: a decider's verdict, signed by a member.
 * @public
 */
export interface NewSignature {
  decider: string;
  verdict: 'accept' | 'reject';
  signedBy: string;
  carriedFrom?: string;
}

/**
 * Thrown when an Idempotency-Key is used again with another request (HTTP 422).
 * @public
 */
export class IdempotencyKeyReusedError extends Error {
  name = 'IdempotencyKeyReusedError';
}

/**
 * A change of the log the replicas sync by: `seq` increases with every write.
 * @public
 */
export interface DecisionChange {
  seq: number;
  decisionId: string;
}

/**
 * Filters of {@link DecisionsStore.list}.
 * @public
 */
export interface DecisionsQuery {
  findingId?: string;
  /** Decisions where this entity is consumer or provider. */
  entityRef?: string;
  offset?: number;
  limit?: number;
}

/**
 * Append-only storage of decision records.
 * @public
 */
export interface DecisionsStore {
  /**
   * Stores a record; with an idempotency key already used by the same recorder for the same
   * request, returns the first record instead (`created: false`); for another request, throws
   * {@link IdempotencyKeyReusedError}. Throws `ConflictError` when the record it supersedes is
   * already superseded or withdrawn, or when the finding has `maxPerFinding` records already.
   */
  create(
    input: NewDecision,
    options?: { maxPerFinding?: number },
  ): Promise<{ decision: Decision; created: boolean }>;
  /**
   * Adds signatures to a record. Throws `NotFoundError` for an unknown id, `ConflictError`
   * when the record is superseded or withdrawn.
   */
  sign(id: string, signatures: NewSignature[]): Promise<Decision>;
  /** Withdraws a record; the same errors as {@link DecisionsStore.sign}. */
  withdraw(id: string, actor: string): Promise<Decision>;
  get(id: string): Promise<Decision | undefined>;
  getMany(ids: string[]): Promise<Decision[]>;
  /** Oldest first. */
  list(query: DecisionsQuery): Promise<{ items: Decision[]; total: number }>;
  /** The changes after `seq`, in order (at most `limit`); or exactly the ones of `seqs`. */
  changes(query: {
    after?: number;
    seqs?: number[];
    limit?: number;
  }): Promise<DecisionChange[]>;
}
