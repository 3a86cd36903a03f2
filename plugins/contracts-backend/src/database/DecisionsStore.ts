/**
 * Status a decision is recorded with; `superseded` is never recorded, it is what a record
 * becomes once another record supersedes it.
 * @public
 */
export type RecordedDecisionStatus = 'proposed' | 'accepted' | 'rejected';

/**
 * A trade-off decision record as the API answers it.
 * @public
 */
export interface Decision {
  id: string;
  findingId: string;
  /** Evidence hash of the finding when the decision was recorded. */
  evidenceHash: string;
  rule: string;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  context?: string;
  options: string[];
  decision: string;
  rationale: string;
  deciders: string[];
  /** The recorded status, or `superseded` when a later record supersedes this one. */
  status: RecordedDecisionStatus | 'superseded';
  reviewBy?: string;
  /** The record this one replaces. */
  supersedes?: string;
  /** The record that replaces this one. */
  supersededBy?: string;
  /** Entity ref of the user (or service principal) who recorded it. */
  recordedBy: string;
  recordedAt: string;
}

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
