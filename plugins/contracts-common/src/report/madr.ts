/*
 * Decision records as MADR 4 files (`NNNN-title.md`): the front matter keys the backend writes
 * and `contracts check --decisions DIR` reads back, so that a trade-off accepted in the portal
 * and committed next to the contracts does not fail the build.
 */
import type { DecisionRecord } from './decisions';
import { reviewDeadline } from './decisions';

/**
 * The front matter keys of an exported decision besides MADR's own (`status`, `date`,
 * `decision-makers`): what the CLI reads back.
 * @public
 */
export const MADR_DECISION_KEYS = {
  /** The finding's fingerprint (`Finding.id`). */
  fingerprint: 'fingerprint',
  /** The finding's evidence hash when the decision was taken. */
  evidenceHash: 'evidence-hash',
  /** `yyyy-MM-dd` after which the decision must be reviewed. */
  reviewBy: 'review-by',
  /** The finding in words: `rule: consumer → provider (subject)`. */
  finding: 'finding',
} as const;

/**
 * MADR file names, as the ADR plugin lists them: four digits, a dash, a title, `.md`.
 * @public
 */
export const MADR_FILE_NAME = /^\d{4}-.+\.md$/;

/**
 * The MADR file name of a decision: its number on four digits (or more), then its title in
 * lower case, words joined by dashes (`0007-support-sees-the-aggregate-only.md`).
 * @public
 */
export function madrFileName(number: number, title: string): string {
  const slug =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLocaleLowerCase('en-US')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'decision';
  return `${String(Math.max(0, Math.trunc(number))).padStart(4, '0')}-${slug}.md`;
}

/**
 * What a MADR file's front matter says about a decision: a record, `undefined` when it is not
 * a decision of ours (no `fingerprint`: an ADR written by hand), or the key at fault and why.
 * MADR's `status` is read by its first word (`superseded by ADR-0005` is superseded).
 * @public
 */
export function madrDecisionRecord(
  meta: Record<string, unknown>,
  id: string,
): DecisionRecord | undefined | { key: string; message: string } {
  const k = MADR_DECISION_KEYS;
  if (meta[k.fingerprint] === undefined) return undefined;
  for (const key of [k.fingerprint, k.evidenceHash, 'status']) {
    const v = meta[key];
    if (typeof v !== 'string' || !v.trim()) {
      return {
        key,
        message: `expected a string, got ${
          v === undefined || v === null ? 'nothing' : JSON.stringify(v)
        }`,
      };
    }
  }
  let reviewBy: string | undefined;
  const review = meta[k.reviewBy];
  if (review !== undefined && review !== null) {
    // an unquoted date may come as a Date (YAML 1.1 timestamps)
    const text =
      review instanceof Date && !Number.isNaN(review.getTime())
        ? review.toISOString().slice(0, 10)
        : review;
    if (typeof text !== 'string' || reviewDeadline(text) === undefined) {
      return {
        key: k.reviewBy,
        message: `expected a date such as 2026-12-31, got ${JSON.stringify(
          String(review),
        )}`,
      };
    }
    reviewBy = text;
  }
  const status = (meta.status as string)
    .trim()
    .split(/\s+/)[0]
    .toLocaleLowerCase('en-US');
  return {
    id,
    findingId: (meta[k.fingerprint] as string).trim(),
    evidenceHash: (meta[k.evidenceHash] as string).trim(),
    status,
    ...(reviewBy ? { reviewBy } : {}),
  };
}
