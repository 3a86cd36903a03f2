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
 * Status of a decision record as the API answers it: derived from the signatures of its
 * deciders (see {@link deriveDecisionStatus}), `superseded` once another record replaces it,
 * `withdrawn` once its recorder withdrew it.
 * @public
 */
export type DecisionStatus =
  | RecordedDecisionStatus
  | 'superseded'
  | 'withdrawn';

/**
 * A decider group's signature on a decision record: any member signs for the group; the latest
 * signature of a group is the one that counts.
 * @public
 */
export interface DecisionSignature {
  /** The decider (a group or user entity ref, one of the record's `deciders`). */
  decider: string;
  verdict: 'accept' | 'reject';
  /** Entity ref of the user who signed for the decider. */
  signedBy: string;
  signedAt: string;
  /**
   * Set on a rejection carried over from the record this one supersedes: a decider's rejection
   * stands until that decider changes it.
   */
  carriedFrom?: string;
}

/**
 * Each decider's latest signature (by `signedAt`; of two at the same instant, the later given),
 * keyed by the decider's ref in lower case: the signatures that count.
 * @public
 */
export function latestSignatures(
  signatures: readonly DecisionSignature[],
): Map<string, DecisionSignature> {
  const latest = new Map<string, DecisionSignature>();
  for (const s of signatures) {
    const k = s.decider.toLocaleLowerCase('en-US');
    const known = latest.get(k);
    if (!known || known.signedAt <= s.signedAt) latest.set(k, s);
  }
  return latest;
}

/**
 * The status of a record from its deciders' latest signatures: `rejected` when any decider's
 * latest verdict is a rejection, `accepted` when every decider has signed an acceptance (and
 * there is at least one decider), `proposed` otherwise. `superseded` and `withdrawn` win over
 * all three. Also the deciders yet to sign an acceptance (`awaiting`).
 * @public
 */
export function deriveDecisionStatus(record: {
  deciders: readonly string[];
  signatures: readonly DecisionSignature[];
  superseded?: boolean;
  withdrawn?: boolean;
}): { status: DecisionStatus; awaiting: string[] } {
  const latest = latestSignatures(record.signatures);
  const awaiting = record.deciders.filter(
    d => latest.get(d.toLocaleLowerCase('en-US'))?.verdict !== 'accept',
  );
  let status: DecisionStatus = 'proposed';
  if (record.superseded) status = 'superseded';
  else if (record.withdrawn) status = 'withdrawn';
  else if ([...latest.values()].some(s => s.verdict === 'reject')) {
    status = 'rejected';
  } else if (record.deciders.length > 0 && awaiting.length === 0) {
    status = 'accepted';
  }
  return { status, awaiting };
}

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
  /**
   * Who must sign: the finding's deciders when the record was made (owners of both sides and
   * the groups configured for the rule), from the engine, never from the request. Empty on
   * records made before deciders were verified; such a record is never `accepted`.
   */
  deciders: string[];
  /** The deciders' signatures, oldest first. */
  signatures: DecisionSignature[];
  /** Deciders yet to sign an acceptance. */
  awaiting: string[];
  /** Derived from the signatures (see {@link deriveDecisionStatus}). */
  status: DecisionStatus;
  /** Who withdrew the record (its recorder), and when. */
  withdrawnBy?: string;
  withdrawnAt?: string;
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
