import type { LatencyBound } from '../../types';
import { capitalize, entityName, formatMs, formatPercentile } from '../format';
import { chainFreshness, latencyMsAt, resolvedCalls } from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { formatBound } from './latency-budget';
import {
  formatObserved,
  measured,
  measurementLines,
  observedValues,
} from './observed';

function violates(b: LatencyBound, ms: number): boolean {
  return b.level === 'budget' ? ms > b.ms : ms >= b.ms;
}

/**
 * `need-at-risk`: a consumer's need holds against what its provider declares but not against
 * what Prometheus measured for it: a latency budget (at the percentile measured) or a required
 * freshness (the dataset's worst age over the window). The finding names both values, the
 * measurement, its window and query. A need the declared value already breaks is
 * `latency-budget`'s or `data-freshness`'s, not this rule's.
 * @public
 */
export const needAtRiskRule: ContractRule = {
  id: 'need-at-risk',
  title: 'Need at risk',
  defaultSeverity: 'error',
  description:
    "A consumer's need holds against the provider's declared value but not against the observed one.",
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const c = entityName(consumer);
    const drafts: FindingDraft[] = [];
    for (const rc of resolvedCalls(ctx, anchor)) {
      const dep = rc.call.dependency;
      const op = rc.operation;
      if (!dep?.operation || !op || !rc.target || dep.budget.length === 0) {
        continue;
      }
      const provider = rc.target.ref;
      const observed = observedValues(
        ctx.contract(provider),
        'latency',
        op.name,
      );
      if (!observed.length) continue;
      const p = entityName(provider);
      for (const bound of dep.budget) {
        const declaredMs = latencyMsAt(op.current, bound.percentile);
        const o = observed.find(x => x.percentile === bound.percentile);
        if (declaredMs === undefined || !o || violates(bound, declaredMs)) {
          continue;
        }
        if (!violates(bound, o.value!)) continue;
        const q = formatPercentile(bound.percentile);
        const expected = formatBound(bound);
        drafts.push({
          consumer,
          provider,
          subject: op.name,
          title: 'Need at risk',
          expected,
          actual: `${q} = ${formatObserved(o.value!)} (observed over ${
            o.window
          }; declared ${formatMs(declaredMs)})`,
          impact: `${capitalize(c)}'s ${
            bound.level
          } budget holds on paper (${p} declares ${q} ${formatMs(
            declaredMs,
          )}) but not in production (${formatObserved(o.value!)})`,
          resolutions: [
            `${p}: bring ${q} of ${op.name} back under ${formatMs(
              bound.ms,
            )} (performance work)`,
            `${p}: declare what it delivers (${q} ${formatObserved(o.value!)})`,
            `${c}: relax the budget, or call ${op.name} behind a fallback (redesign)`,
          ],
          evidence: {
            budget: [bound.level, bound.percentile, bound.ms],
            declared: declaredMs,
            query: o.query,
            window: o.windowMs,
          },
          details: [
            `${c} expects: ${expected}`,
            `${p} promises ${q} ${formatMs(declaredMs)}; ${measured(o)}`,
            ...measurementLines(o),
          ],
          action: `${capitalize(p)} must deliver ${q} under ${formatMs(
            bound.ms,
          )} as it declares, before ${c} relies on it`,
          location: bound.loc ?? dep.loc,
        });
        break; // one finding per call: the first bound the measurement breaks
      }
    }
    for (let i = 0; i < anchor.dataDependencies.length; i++) {
      const dd = anchor.dataDependencies[i];
      const match = ctx.findDataset(dd.ref, dd.dataset);
      if (!match.provider || !match.dataset) continue;
      const provider = match.provider;
      const o = observedValues(
        ctx.contract(provider),
        'freshness',
        match.dataset.name,
      )[0];
      if (!o) continue;
      const declared = chainFreshness(ctx, provider, match.dataset);
      if (!declared || declared.ms >= dd.freshnessRequiredMs) continue;
      if (o.value! < dd.freshnessRequiredMs) continue;
      const p = entityName(provider);
      drafts.push({
        consumer,
        provider,
        subject: dd.dataset,
        title: 'Need at risk',
        expected: dd.freshnessRaw,
        actual: `age ${formatObserved(o.value!)} (observed over ${
          o.window
        }; declared ${formatMs(declared.ms)} max)`,
        impact: `${capitalize(
          c,
        )}'s freshness need holds on paper (${p} declares ${formatMs(
          declared.ms,
        )} max) but not in production (${formatObserved(o.value!)})`,
        resolutions: [
          `${p}: keep ${match.dataset.name} within ${formatMs(
            declared.ms,
          )} as declared (infrastructure)`,
          `${p}: declare what it delivers (${formatObserved(o.value!)} max)`,
          `${c}: relax the requirement (accuracy loss)`,
        ],
        evidence: {
          required: dd.freshnessRequiredMs,
          declared: declared.ms,
          query: o.query,
          window: o.windowMs,
        },
        details: [
          `${c} requires: ${dd.freshnessRaw} on ${dd.dataset}`,
          `${p} promises age ${formatMs(declared.ms)} max; ${measured(o)}`,
          ...measurementLines(o),
        ],
        action: `${capitalize(p)} must keep ${
          match.dataset.name
        } as fresh as it declares`,
        location: dd.loc,
      });
    }
    return drafts;
  },
};
