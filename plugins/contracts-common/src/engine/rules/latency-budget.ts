import type { EntityContract, LatencyBound } from '../../types';
import { formatWindow } from '../../runtime/measurements';
import { capitalize, entityName, formatMs, formatPercentile } from '../format';
import {
  chainLatency,
  ChainLatency,
  declaredLatencyMs,
  Hop,
  resolvedCalls,
} from '../paths';
import { chainEdges, NO_DRAFTS } from './util';
import { formatObserved, observedValues } from './observed';
import type { ContractRule, FindingDraft } from '../types';
import { sameRef } from '../refs';

const LEVEL_RANK: Record<LatencyBound['level'], number> = {
  acceptable: 0,
  budget: 1,
  maximum: 2,
  target: 3,
};

/** `p95 < 200ms` (written bounds are strict), `{ p95: 200ms }` budgets allow equality. */
export function formatBound(b: LatencyBound): string {
  return `${formatPercentile(b.percentile)} ${
    b.level === 'budget' ? '≤' : '<'
  } ${formatMs(b.ms)}`;
}

function violates(b: LatencyBound, ms: number): boolean {
  return b.level === 'budget' ? ms > b.ms : ms >= b.ms;
}

/** `p95 = 3200ms (current)`, or the bound it is known by: `p99 ≥ 3200ms (current p95 = 3200ms)`. */
export function formatChainLatency(
  percentile: number,
  l: ChainLatency,
  provider: string,
): string {
  const via = sameRef(l.holder, provider)
    ? ''
    : ` via ${l.path.map(h => entityName(h.ref)).join(' → ')}`;
  const basis = l.target ? 'target' : 'current';
  if (l.exact && !via) {
    return `${formatPercentile(percentile)} = ${formatMs(l.ms)} (${basis})`;
  }
  return `${formatPercentile(percentile)} ≥ ${formatMs(
    l.ms,
  )} (${basis} ${formatPercentile(l.percentile)} = ${formatMs(l.ms)}${via})`;
}

/** `risk observed: p95 = 4012ms over 7 d (Prometheus; declared 3200ms)` when the provider is measured there. */
function observedLines(
  contract: EntityContract | undefined,
  operation: string,
  percentile: number,
  declared: ChainLatency,
): string[] {
  const o = observedValues(contract, 'latency', operation).find(
    x => x.percentile === percentile,
  );
  if (!o || !contract) return [];
  return [
    `${entityName(contract.entityRef)} observed: ${formatPercentile(
      percentile,
    )} = ${formatObserved(o.value!)} over ${formatWindow(
      o.windowMs,
    )} (Prometheus${
      o.status === 'ok' ? '' : `, last good value: the query is ${o.status}`
    }; declared ${formatMs(declared.ms)})`,
  ];
}

function pathRefs(consumer: string, path: Hop[]): string[] {
  return [consumer, ...path.map(h => h.ref)];
}

/**
 * `latency-budget`: a consumer's percentile budget is below the provider's current latency at
 * that percentile. The provider's latency is its declared `latency.current` at the budget's
 * percentile, or the lower bound its lower percentiles give (p50 = 2800ms proves p99 ≥ 2800ms);
 * a provider that declares none is bounded through its own calls. Of several violated bounds
 * the finding names the most important (exact evidence first, then acceptable, budget,
 * maximum, target) and lists the others in its impact. A missed `target` alone is `info`: the
 * agreed bounds hold.
 * @public
 */
export const latencyBudgetRule: ContractRule = {
  id: 'latency-budget',
  title: 'Latency contract violation',
  defaultSeverity: 'error',
  description:
    "A consumer's percentile latency budget is below the provider's current latency at that percentile.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    let drafts: FindingDraft[] | undefined;
    for (const rc of resolvedCalls(ctx, anchor)) {
      const dep = rc.call.dependency;
      const target = rc.target;
      if (!dep || !dep.operation || dep.budget.length === 0 || !target) {
        continue;
      }
      const provider = target.ref;
      // Made on the first violation: most calls have none (an array per call was ~0.5 MB of
      // garbage per bench:floor run at 10k).
      let violations:
        | Array<{ bound: LatencyBound; at: ChainLatency }>
        | undefined;
      for (const bound of dep.budget) {
        // Most bounds hold against a declared latency: ruled out before building the chain.
        const declaredMs = declaredLatencyMs(rc.operation, bound.percentile);
        if (
          declaredMs === undefined ||
          (declaredMs !== null && !violates(bound, declaredMs))
        ) {
          continue;
        }
        const at = chainLatency(
          ctx,
          provider,
          dep.operation,
          bound.percentile,
          rc.operation,
        );
        if (at && violates(bound, at.ms)) {
          (violations ??= []).push({ bound, at });
        }
      }
      if (!violations) {
        continue;
      }
      violations.sort(
        (a, b) =>
          Number(b.at.exact) - Number(a.at.exact) ||
          LEVEL_RANK[a.bound.level] - LEVEL_RANK[b.bound.level],
      );
      const { bound, at } = violations[0];
      const c = entityName(consumer);
      const p = entityName(provider);
      const expected = formatBound(bound);
      const actual = formatChainLatency(bound.percentile, at, provider);
      const others = violations
        .slice(1)
        .map(
          v =>
            `${v.bound.level} ${formatBound(v.bound)} vs ${formatChainLatency(
              v.bound.percentile,
              v.at,
              provider,
            )}`,
        );
      const op = dep.operation;
      const declared = ctx.operation(provider, op);
      const targetAt =
        declared && declared.target.length
          ? declared.target.find(t => t.percentile === bound.percentile)
          : undefined;
      const targetMeets = targetAt && !violates(bound, targetAt.ms);
      const requires = /^requires?\s+(.+)$/i.exec(
        declared?.targetNote ?? '',
      )?.[1];
      let action: string;
      const resolutions: string[] = [];
      if (targetMeets) {
        const t = `${formatPercentile(targetAt.percentile)} = ${formatMs(
          targetAt.ms,
        )}`;
        action = requires
          ? `${capitalize(
              p,
            )} must implement ${requires} before integration, reaching its target ${t}`
          : `${capitalize(p)} must reach its target ${t} before integration`;
        resolutions.push(
          `${p}: Reach the target ${t}${
            declared?.targetNote ? ` (${declared.targetNote})` : ''
          }`,
        );
      } else {
        action = `${capitalize(p)} must bring ${formatPercentile(
          bound.percentile,
        )} under ${formatMs(
          bound.ms,
        )} before integration, or ${c} must relax its budget`;
        resolutions.push(
          `${p}: Bring ${formatPercentile(bound.percentile)} under ${formatMs(
            bound.ms,
          )} (performance work)`,
        );
      }
      resolutions.push(
        `${c}: Relax the budget to ${formatPercentile(
          bound.percentile,
        )} above ${formatMs(at.ms)} (user experience)`,
        `${c}: Call ${op} asynchronously or behind a fallback (redesign)`,
      );
      const onlyTarget = violations.every(v => v.bound.level === 'target');
      const chain =
        at.path.length > 1 ? pathRefs(consumer, at.path) : undefined;
      (drafts ??= []).push({
        severity: onlyTarget ? 'info' : undefined,
        consumer,
        provider,
        subject: op,
        title: onlyTarget
          ? 'Latency target not met'
          : 'Latency contract violation',
        expected,
        actual,
        impact: `${capitalize(c)} waits longer than its ${
          bound.level
        } budget for ${op} (${formatMs(at.ms)} vs ${formatMs(bound.ms)})${
          others.length ? `; also exceeded: ${others.join(', ')}` : ''
        }`,
        resolutions,
        evidence: {
          budget: dep.budget.map(b => [b.level, b.percentile, b.ms]),
          latency: violations.map(v => [v.at.holder, v.at.percentile, v.at.ms]),
        },
        details: [
          `${c} expects: ${expected}`,
          `${p} provides: ${actual}`,
          // what Prometheus measured, beside (never instead of) the declared value
          ...observedLines(ctx.contract(provider), op, bound.percentile, at),
        ],
        action: onlyTarget ? undefined : action,
        chain,
        location: bound.loc ?? dep.loc,
        edges: chainEdges(consumer, at.path),
      });
    }
    return drafts ?? NO_DRAFTS;
  },
};
