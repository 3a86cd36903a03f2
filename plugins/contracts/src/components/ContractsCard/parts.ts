import type {
  ContractDependency,
  DataDependency,
  IdempotencySpec,
  RetryPolicy,
} from '@backstage-contracts/plugin-contracts-common';
import { formatMs } from '../shared';
import type { MarkedPart } from './MarkedParts';

/*
 * The values of a contract item as the card words them, each with the document key a
 * `discovered` mark names. Joined, they read as `describeDependency` & co. in ../shared/format.
 */

/** `p95 < 200ms`, `timeout 500ms`, `no retry`, `fallback: …` */
export function dependencyParts(d: ContractDependency): MarkedPart[] {
  const parts: MarkedPart[] = [];
  if (d.budget.length) {
    parts.push({
      key: 'latency_budget',
      text: d.budget.map(b => b.raw).join(', '),
    });
  }
  if (d.timeoutMs !== undefined) {
    parts.push({ key: 'timeout', text: `timeout ${formatMs(d.timeoutMs)}` });
  }
  if (d.retry) {
    parts.push({
      key: 'retry',
      text:
        d.retry.raw === 'none' || d.retry.maxAttempts === 1
          ? 'no retry'
          : `retry ${d.retry.raw}`,
    });
  }
  if (d.fallback)
    parts.push({ key: 'fallback', text: `fallback: ${d.fallback}` });
  return parts;
}

/** `dataset purchases`, `fresher than 10s`, `(velocity checks)` */
export function dataDependencyParts(d: DataDependency): MarkedPart[] {
  // The parsed bound, not the text (`<10s` would read "fresher than <10s").
  const parts: MarkedPart[] = [
    { key: 'dataset', text: `dataset ${d.dataset}` },
    {
      key: 'freshness_required',
      text: `fresher than ${formatMs(d.freshnessRequiredMs)}`,
    },
  ];
  if (d.reason) parts.push({ key: 'reason', text: `(${d.reason})` });
  return parts;
}

/** `retries risk`, `up to 2 attempts`, `with a new request id on timeout`, `backoff …` */
export function retryPolicyParts(p: RetryPolicy): MarkedPart[] {
  const parts: MarkedPart[] = [{ key: 'target', text: `retries ${p.target}` }];
  if (p.maxAttempts !== undefined) {
    parts.push({
      key: 'max_attempts',
      text: `up to ${p.maxAttempts} attempts`,
    });
  }
  if (p.newRequestIdOnTimeout !== undefined) {
    parts.push({
      key: 'on_timeout',
      text: p.newRequestIdOnTimeout
        ? 'with a new request id on timeout'
        : 'with the same request id',
    });
  }
  if (p.backoff) parts.push({ key: 'backoff', text: `backoff ${p.backoff}` });
  return parts;
}

/** `on idempotency_key`, `expects stable_across_retries`, `window 24h` */
export function idempotencyParts(i: IdempotencySpec): MarkedPart[] {
  const parts: MarkedPart[] = [];
  if (i.idempotencyKey) {
    parts.push({ key: 'idempotency_key', text: `on ${i.idempotencyKey}` });
  }
  if (i.expects) parts.push({ key: 'expects', text: `expects ${i.expects}` });
  if (i.windowMs !== undefined) {
    parts.push({ key: 'window', text: `window ${formatMs(i.windowMs)}` });
  }
  return parts;
}
