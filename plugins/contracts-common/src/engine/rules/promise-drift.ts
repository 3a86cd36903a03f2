import { entityName, formatMs, formatPercentile } from '../format';
import { freshnessMaxMs } from '../paths';
import { availabilityPromises } from '../../runtime/measurements';
import type { ContractRule, FindingDraft } from '../types';
import {
  formatObservedValue,
  formatPercent,
  measured,
  measurementLines,
  observedValues,
} from './observed';

/**
 * `promise-drift`: what Prometheus measured for a bound promise (`latency.metric`,
 * `freshness.metric`, `availability.metric`) is worse than the declared value by more than the
 * tolerance (`promiseDriftTolerance`, default 10 %): "risk promises p95 3200ms; Prometheus
 * measured 4100ms over 7 d". For an availability the tolerance is a share of the error budget:
 * 99.95% promised allows 0.05 % failures, drift beyond 0.055 % ("storefront promises 99.95%;
 * Prometheus measured 99.71% over 7 d"). A measurement better than declared beyond the tolerance is `info`: the
 * checks of its callers use an outdated figure. The declared value stays what the other rules
 * compare; an observation without a value (never measured) gives nothing.
 * @public
 */
export const promiseDriftRule: ContractRule = {
  id: 'promise-drift',
  title: 'Promise drift',
  defaultSeverity: 'warning',
  description:
    'The value Prometheus measures for a promise is worse than the declared one beyond a tolerance.',
  evaluate(anchor, ctx) {
    if (!anchor.observed?.length) return [];
    const tolerance = ctx.settings.promiseDriftTolerance;
    const ref = anchor.entityRef;
    const p = entityName(ref);
    const drafts: FindingDraft[] = [];
    const judge = (parts: {
      subject: string;
      declaredMs: number;
      declaredText: string;
      observed: NonNullable<ReturnType<typeof observedValues>[number]>;
      quantity: string;
      /** What the provider promises, when not `<quantity> <declared>`. */
      promise?: string;
      loc: FindingDraft['location'];
    }) => {
      const { observed: o, declaredMs } = parts;
      const value = o.value!;
      const fmt = (v: number) => formatObservedValue(o, v);
      // An availability is a floor: its failures (100 − value) are held to the error budget.
      const worse =
        o.kind === 'availability'
          ? 100 - value > (100 - declaredMs) * (1 + tolerance)
          : value > declaredMs * (1 + tolerance);
      // A freshness promise is a bound (the worst age), an availability a floor: keeping them
      // with room is keeping them.
      const better =
        o.kind === 'latency' && value < declaredMs * (1 - tolerance);
      if (!worse && !better) return;
      const promise =
        parts.promise ??
        `${p} promises ${parts.quantity} ${parts.declaredText}`;
      const line = `${promise}; ${measured(o)}`;
      const actual = `${parts.quantity} ${fmt(value)} (observed over ${
        o.window
      })`;
      drafts.push({
        severity: worse ? undefined : 'info',
        consumer: ref,
        provider: ref,
        subject: parts.subject,
        title: worse
          ? 'Promise drift'
          : 'Promise outdated (better than declared)',
        expected: `${parts.quantity} ${parts.declaredText} (declared)`,
        actual,
        impact: worse
          ? `${p} does not keep its promise: the checks of its callers assume ${
              parts.declaredText
            }, it delivers ${fmt(value)}`
          : `The checks of ${p}'s callers use ${
              parts.declaredText
            }; it delivers ${fmt(value)}`,
        resolutions: worse
          ? [
              `${p}: bring ${parts.quantity} back under ${parts.declaredText} (performance work)`,
              `${p}: declare what it delivers, and let its callers' checks show what breaks`,
            ]
          : [`${p}: declare what it delivers (${fmt(value)})`],
        // The declared value and the measurement, not the measured figure itself: it moves with
        // every evaluation, and a decision on the drift should not need review for each.
        evidence: {
          declared: declaredMs,
          direction: worse ? 'worse' : 'better',
          tolerance,
          query: o.query,
          window: o.windowMs,
        },
        details: [line, ...measurementLines(o)],
        action: worse
          ? `${p} must deliver what it declares, or declare what it delivers`
          : undefined,
        location: parts.loc,
        edges: [],
      });
    };
    for (const op of anchor.operations) {
      for (const o of observedValues(anchor, 'latency', op.name)) {
        const declared = op.current.find(l => l.percentile === o.percentile);
        if (!declared) continue;
        judge({
          subject: `${op.name} (${formatPercentile(
            declared.percentile,
          )} latency)`,
          declaredMs: declared.ms,
          declaredText: formatMs(declared.ms),
          observed: o,
          quantity: formatPercentile(declared.percentile),
          loc: op.latencyMetric?.loc ?? op.loc,
        });
      }
    }
    for (const ds of anchor.datasets) {
      const declaredMs = freshnessMaxMs(ds.freshness);
      if (declaredMs === undefined) continue;
      for (const o of observedValues(anchor, 'freshness', ds.name)) {
        judge({
          subject: `${ds.name} (freshness)`,
          declaredMs,
          declaredText: `${formatMs(declaredMs)} max`,
          observed: o,
          quantity: 'age',
          loc: ds.freshnessMetric?.loc ?? ds.loc,
        });
      }
    }
    for (const { subject, availability } of availabilityPromises(anchor)) {
      for (const o of observedValues(anchor, 'availability', subject)) {
        const declaredText = formatPercent(availability.percent);
        judge({
          subject:
            subject === '*'
              ? `${p} (availability)`
              : `${subject} (availability)`,
          declaredMs: availability.percent,
          declaredText,
          observed: o,
          quantity: 'availability',
          promise:
            subject === '*'
              ? `${p} promises ${declaredText}`
              : `${p} promises ${declaredText} for ${subject}`,
          loc: availability.metric?.loc ?? availability.loc,
        });
      }
    }
    return drafts;
  },
};
