import { capitalize, entityName, formatMs, parseDurationMs } from '../format';
import { Call, resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { dedupesOnStableKey } from './idempotency-key';

/**
 * How long a consumer's attempts can span: attempts × timeout, plus the backoff between them
 * (a duration in `backoff`, doubling when it says exponential). Unknown without a timeout.
 */
export function retrySpanMs(call: Call): number | undefined {
  const timeout = call.dependency?.timeoutMs;
  if (timeout === undefined || call.attempts < 2) {
    return undefined;
  }
  const backoff = call.policy?.backoff;
  const base = parseDurationMs(backoff) ?? 0;
  let waits = 0;
  for (let i = 0; i < call.attempts - 1; i++) {
    waits += /exp/i.test(backoff ?? '') ? base * 2 ** i : base;
  }
  return call.attempts * timeout + waits;
}

/**
 * `idempotency-window`: the consumer retries with a stable key for longer than the provider
 * remembers keys (`window`), so a late retry is processed again.
 * @public
 */
export const idempotencyWindowRule: ContractRule = {
  id: 'idempotency-window',
  title: 'Idempotency window too short',
  defaultSeverity: 'warning',
  description:
    "The consumer's retries outlast the provider's idempotency window.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const drafts: FindingDraft[] = [];
    for (const { call } of resolvedCalls(ctx, anchor)) {
      if (!call.operation || call.policy?.newRequestIdOnTimeout === true) {
        continue;
      }
      const span = retrySpanMs(call);
      if (span === undefined) {
        continue;
      }
      const target = ctx.resolve(call.ref);
      if (!target) {
        continue;
      }
      const provider = target.ref;
      const spec = ctx.idempotency(provider, call.operation);
      if (
        !spec?.idempotencyKey ||
        spec.windowMs === undefined ||
        !dedupesOnStableKey(spec.expects) ||
        span <= spec.windowMs
      ) {
        continue;
      }
      const c = entityName(consumer);
      const p = entityName(provider);
      drafts.push({
        consumer,
        provider,
        subject: call.operation,
        title: 'Idempotency window too short',
        expected: `retries within ${formatMs(spec.windowMs)}`,
        actual: `${call.attempts} attempts over up to ${formatMs(span)}`,
        impact: `A retry of ${call.operation} after ${formatMs(
          spec.windowMs,
        )} is processed again: duplicate processing`,
        resolutions: [
          `${c}: Retry within ${formatMs(spec.windowMs)}`,
          `${p}: Keep ${spec.idempotencyKey} for ${formatMs(span)} or more`,
        ],
        evidence: { attempts: call.attempts, span, window: spec.windowMs },
        details: [
          `${c} retries: ${call.attempts} attempts over up to ${formatMs(
            span,
          )}`,
          `${p} remembers: ${spec.idempotencyKey} for ${formatMs(
            spec.windowMs,
          )}`,
        ],
        action: `${capitalize(p)} must keep ${
          spec.idempotencyKey
        } at least as long as ${c} retries`,
        location: call.policy?.loc ?? call.loc,
      });
    }
    return drafts;
  },
};
