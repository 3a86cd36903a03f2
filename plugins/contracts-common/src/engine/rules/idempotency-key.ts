import { entityName, humanize } from '../format';
import { resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft } from '../types';

/** True when an idempotency spec dedupes on a key that must stay stable across retries. */
export function dedupesOnStableKey(expects: string | undefined): boolean {
  return expects === undefined || /stable/i.test(expects);
}

/**
 * `idempotency-key`: the consumer makes a new request id on retry (a retry policy with
 * `on_timeout.generates_new_request_id: true` that allows more than one attempt), the provider
 * dedupes the operation on a key it expects stable across retries. A retry policy on a target
 * means the consumer retries it, whatever `retry:` its `depends_on` entry says.
 * @public
 */
export const idempotencyKeyRule: ContractRule = {
  id: 'idempotency-key',
  title: 'Idempotency contract violation',
  defaultSeverity: 'error',
  description:
    'The consumer generates a new request id on retry while the provider dedupes on a stable key.',
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const drafts: FindingDraft[] = [];
    for (const { call } of resolvedCalls(ctx, anchor)) {
      const policy = call.policy;
      if (
        !policy ||
        policy.newRequestIdOnTimeout !== true ||
        call.attempts < 2 ||
        !call.operation
      ) {
        continue;
      }
      const target = ctx.resolve(call.ref);
      if (!target) {
        continue;
      }
      const provider = target.ref;
      const spec = ctx.idempotency(provider, call.operation);
      if (!spec?.idempotencyKey || !dedupesOnStableKey(spec.expects)) {
        continue;
      }
      const key = spec.idempotencyKey;
      const c = entityName(consumer);
      const p = entityName(provider);
      const resolutions = [
        `${c}: Preserve ${key} across retries`,
        `${p}: Use a separate idempotency key`,
      ];
      drafts.push({
        consumer,
        provider,
        subject: call.operation,
        title: 'Idempotency contract violation',
        expected: `stable ${key} across retries`,
        actual: `new ${key} on retry${
          policy.reason ? ` (${humanize(policy.reason)})` : ''
        }`,
        impact: 'Duplicate processing, billing, audit logs',
        resolutions,
        evidence: {
          newIdOnRetry: true,
          attempts: call.attempts,
          key,
          expects: spec.expects,
        },
        details: [
          `${c}: generates new ${key} on retry`,
          `${p}: expects stable ${key}`,
        ],
        notes: [
          'Impact: Duplicate processing, billing, audit logs',
          `Resolution: Preserve ${key} OR use separate key`,
        ],
        location: policy.loc,
      });
    }
    return drafts;
  },
};
