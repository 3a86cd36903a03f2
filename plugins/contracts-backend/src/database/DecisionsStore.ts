import type {
  Decision,
  RecordedDecisionStatus,
} from '@internal/backstage-plugin-contracts-common';

export type { Decision, RecordedDecisionStatus };

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
  deciders?: string[];
  status: RecordedDecisionStatus;
  /** With the recorder: a retried request with the same key returns the first record. */
  idempotencyKey?: string;
}

/**
 * Filters of {@link DecisionsStore.list}.
 * @public
 */
export interface DecisionsQuery {
  findingId?: string;
  /** Decisions where this entity is consumer or provider. */
  entityRef?: string;
  /** Records stored at or after this ISO timestamp. */
  recordedSince?: string;
  offset?: number;
  limit?: number;
}

/**
 * Append-only storage of decision records.
 * @public
 */
export interface DecisionsStore {
  /**
   * Stores a record; with an idempotency key already used by the same recorder, returns the
   * first record instead (`created: false`). Throws `ConflictError` when the record it
   * supersedes is already superseded.
   */
  create(input: NewDecision): Promise<{ decision: Decision; created: boolean }>;
  get(id: string): Promise<Decision | undefined>;
  /** Oldest first. */
  list(query: DecisionsQuery): Promise<{ items: Decision[]; total: number }>;
}
