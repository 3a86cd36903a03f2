import { capitalize, entityName, formatMs, formatPercentile } from '../format';
import {
  chainLatency,
  declaredLatencyMs,
  promisedLatencies,
  resolvedCalls,
} from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import type { ImportedAt } from '../../types';
import { IMPORT_FORMAT_NAMES } from '../../imports';
import { formatChainLatency } from './latency-budget';
import { chainEdges } from './util';

/** Where an imported timeout was read (a gateway's, in an OpenAPI definition). */
function importedFrom(at: ImportedAt | undefined): string {
  if (!at) return '';
  return ` (${IMPORT_FORMAT_NAMES[at.format] ?? at.format} ${at.file}${
    at.line !== undefined ? `:${at.line}` : ''
  }, \`${at.path}\`)`;
}

/**
 * `timeout-below-tail`: a consumer's timeout is below the provider's p99. The p99 is the
 * declared one, or its lower bound from lower percentiles; a provider that declares nothing up
 * to p99 is judged on its highest declared percentile (its "maximum"). The impact says what
 * share of calls at least will time out.
 * @public
 */
export const timeoutBelowTailRule: ContractRule = {
  id: 'timeout-below-tail',
  title: 'Timeout below provider tail latency',
  defaultSeverity: 'warning',
  description:
    "A consumer's timeout is below the provider's p99 (or highest known) latency: tail calls time out.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const drafts: FindingDraft[] = [];
    for (const { call, target, operation } of resolvedCalls(ctx, anchor)) {
      const timeout = call.dependency?.timeoutMs;
      if (timeout === undefined || !call.operation || !target) {
        continue;
      }
      // Most timeouts are above a declared tail: ruled out before building the chain.
      const declared99 = declaredLatencyMs(operation, 99);
      const declaredTail =
        declared99 === undefined
          ? declaredLatencyMs(operation, 100)
          : declared99;
      if (
        declaredTail === undefined ||
        (declaredTail !== null && declaredTail < timeout)
      ) {
        continue;
      }
      const provider = target.ref;
      const op = call.operation;
      const p99 = chainLatency(ctx, provider, op, 99, operation);
      const tail = p99 ?? chainLatency(ctx, provider, op, 100, operation);
      if (!tail || tail.ms < timeout) {
        continue;
      }
      const shownPercentile = p99 ? 99 : tail.percentile;
      // The lowest declared percentile already at or beyond the timeout bounds the share.
      const declared = ctx.operation(
        tail.holder,
        tail.path[tail.path.length - 1].subject,
      );
      const lowest = (declared ? promisedLatencies(declared) : [])
        .filter(l => l.ms >= timeout)
        .sort((a, b) => a.percentile - b.percentile)[0];
      const share = lowest
        ? Math.round((100 - lowest.percentile) * 100) / 100
        : undefined;
      const c = entityName(consumer);
      const p = entityName(provider);
      const actual = formatChainLatency(shownPercentile, tail, provider);
      const fallback = call.dependency?.fallback;
      drafts.push({
        consumer,
        provider,
        subject: op,
        title: 'Timeout below provider tail latency',
        expected: `${formatPercentile(shownPercentile)} < ${formatMs(
          timeout,
        )} (timeout)`,
        actual,
        impact: `${
          share !== undefined ? `At least ${share}% of` : 'Tail'
        } ${op} calls hit ${c}'s ${formatMs(timeout)} timeout${
          lowest
            ? ` (${formatPercentile(lowest.percentile)} = ${formatMs(
                lowest.ms,
              )})`
            : ''
        }${fallback ? `, then fall back to ${fallback}` : ''}`,
        resolutions: [
          `${c}: Raise the timeout above ${formatMs(tail.ms)} (latency budget)`,
          `${p}: Bring the tail of ${op} under ${formatMs(
            timeout,
          )} (performance work)`,
        ],
        evidence: {
          timeout,
          tail: [tail.holder, tail.percentile, tail.ms],
          lowest: lowest && [lowest.percentile, lowest.ms],
        },
        details: [
          `${c} times out: after ${formatMs(timeout)}${importedFrom(
            call.dependency?.imported?.timeout,
          )}`,
          `${p} provides: ${actual}`,
        ],
        action: `${capitalize(
          c,
        )} must raise its timeout above ${p}'s tail, or ${p} must bring it under ${formatMs(
          timeout,
        )}`,
        chain:
          tail.path.length > 1
            ? [consumer, ...tail.path.map(h => h.ref)]
            : undefined,
        location: call.dependency?.loc,
        edges: chainEdges(consumer, tail.path),
      });
    }
    return drafts;
  },
};
