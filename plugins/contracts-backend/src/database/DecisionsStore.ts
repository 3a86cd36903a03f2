import type {
  Decision,
  RecordedDecisionStatus,
} from '@internal/backstage-plugin-contracts-common';

export type { Decision, RecordedDecisionStatus };

/**
 * What is stored for a new decision.
 * @public
 */
export interface NewDecision {
  findingId: string;
  evidenceHash: string;
  rule: string;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  context?: string;
  options?: string[];
  decision: string;
  rationale: string;
  deciders?: string[];
  status: RecordedDecisionStatus;
  reviewBy?: string;
  supersedes?: string;
  recordedBy: string;
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
