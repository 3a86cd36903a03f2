/*
 * Decision status of findings: the same logic in the backend and in `contracts check --decisions`.
 */
import type { Finding, FindingStatus } from '../types';

/**
 * A decision as the backend exports it (`{ "version": 1, "decisions": [...] }`), reduced to what
 * the status of a finding depends on.
 * @public
 */
export interface DecisionRecord {
  id: string;
  /** The fingerprint of the finding the decision answers (`Finding.id`). */
  findingId: string;
  /** The evidence hash of the finding when the decision was taken (`Finding.evidence`). */
  evidenceHash: string;
  status: 'proposed' | 'accepted' | 'rejected' | 'superseded' | string;
  /** ISO date or date-time after which the decision must be reviewed. */
  reviewBy?: string;
  title?: string;
  decision?: string;
}

/**
 * Status a decision is recorded with; `superseded` is never recorded, it is what a record
 * becomes once another record supersedes it.
 * @public
 */
export type RecordedDecisionStatus = 'proposed' | 'accepted' | 'rejected';

/**
 * Status of a decision record as the API answers it.
 * @public
 */
export type DecisionStatus = RecordedDecisionStatus | 'superseded';

/**
 * A trade-off decision record as the backend's API answers it (append-only: a change supersedes
 * the old record). The backend stores it; the portal shows and records it.
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
  status: DecisionStatus;
  /** ISO date (`YYYY-MM-DD`) after which the decision must be reviewed. */
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
 * The decisions export of the backend.
 * @public
 */
export interface DecisionsExport {
  version: 1;
  decisions: DecisionRecord[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instant a review-by date passes: the end of the day for a date (`2026-12-31`), the instant
 * itself for a date-time. Undefined when the text is not an ISO date.
 * @public
 */
export function reviewDeadline(reviewBy: string): number | undefined {
  const text = reviewBy.trim();
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? at + DAY_MS : at;
}

/**
 * The status a finding has under the recorded decisions: `accepted` when an accepted decision
 * answers it (same fingerprint), was taken on the same evidence and is not past its review-by
 * date; `needs-review` when accepted decisions answer it but none of them holds any more
 * (the evidence changed, the review date passed); `open` otherwise.
 * @public
 */
export function decisionStatus(
  finding: Pick<Finding, 'id' | 'evidence'>,
  decisions: readonly DecisionRecord[],
  now: Date | number = Date.now(),
): FindingStatus {
  const instant = typeof now === 'number' ? now : now.getTime();
  let answered = false;
  for (const d of decisions) {
    if (d.findingId !== finding.id || d.status !== 'accepted') continue;
    answered = true;
    const deadline =
      d.reviewBy === undefined ? Infinity : reviewDeadline(d.reviewBy);
    if (
      d.evidenceHash === finding.evidence &&
      deadline !== undefined &&
      instant < deadline
    ) {
      return 'accepted';
    }
  }
  return answered ? 'needs-review' : 'open';
}

/**
 * Sets the status of every finding from the recorded decisions (see {@link decisionStatus}).
 * Returns new findings; the input is not changed.
 * @public
 */
export function applyDecisions(
  findings: readonly Finding[],
  decisions: readonly DecisionRecord[],
  now: Date | number = Date.now(),
): Finding[] {
  if (!decisions.length) return findings.map(f => ({ ...f, status: 'open' }));
  const byFinding = new Map<string, DecisionRecord[]>();
  for (const d of decisions) {
    const list = byFinding.get(d.findingId);
    if (list) list.push(d);
    else byFinding.set(d.findingId, [d]);
  }
  return findings.map(f => ({
    ...f,
    status: decisionStatus(f, byFinding.get(f.id) ?? [], now),
  }));
}
