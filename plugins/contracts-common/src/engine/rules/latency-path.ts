import { capitalize, entityName, formatMs, formatPercentile } from '../format';
import {
  chainLatency,
  ChainLatency,
  declaredLatencyMs,
  promisedLatencies,
  resolvedCalls,
} from '../paths';
import type { ResolvedCall } from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { chainEdges } from './util';
import { sameRef } from '../refs';

/**
 * True when every call's target declares the operation's latency, and the promise holds
 * against them (no single call slower, their sum not above it): what the chains would show,
 * found without building them (nothing is read or walked for declared latencies).
 */
function keptByDeclared(
  calls: ResolvedCall[],
  percentile: number,
  promised: number,
): boolean {
  let any = false;
  let critical = 0;
  let sum = 0;
  for (const { operation } of calls) {
    const ms = declaredLatencyMs(operation, percentile);
    if (ms === null) {
      return false;
    }
    if (ms === undefined) {
      continue;
    }
    if (!any || ms > critical) {
      critical = ms;
    }
    any = true;
    sum += ms;
  }
  return !any || (critical <= promised && sum <= promised);
}

/**
 * `latency-path`: a provider's declared current latency at a percentile is below what one of
 * its own serial dependencies delivers there (impossible: error), or below their sum (likely:
 * warning; percentiles do not add exactly). Dependencies are the entity's `depends_on` calls,
 * taken as serial for each operation it provides; a dependency that declares no latency is
 * bounded through its own calls, so the critical hop may be further down the chain. Targets
 * are not checked: a target may change the dependencies (caching).
 * @public
 */
export const latencyPathRule: ContractRule = {
  id: 'latency-path',
  title: 'Latency promise below its dependencies',
  defaultSeverity: 'error',
  description:
    'A provider promises, at a percentile, less than one of its serial dependencies delivers there (error) or less than their sum (warning).',
  evaluate(anchor, ctx) {
    const self = anchor.entityRef;
    const calls = resolvedCalls(ctx, anchor).filter(
      c =>
        c.call.operation &&
        c.target &&
        !sameRef(c.target.ref, self),
    );
    if (calls.length === 0) {
      return [];
    }
    const drafts: FindingDraft[] = [];
    for (const op of anchor.operations) {
      let worst:
        | {
            promised: number;
            percentile: number;
            impossible: boolean;
            critical: { at: ChainLatency; op: string };
            parts: Array<{ at: ChainLatency; op: string }>;
            sum: number;
          }
        | undefined;
      for (const promise of promisedLatencies(op)) {
        if (keptByDeclared(calls, promise.percentile, promise.ms)) {
          continue;
        }
        const parts: Array<{ at: ChainLatency; op: string }> = [];
        for (const { call, target, operation } of calls) {
          // `operation`: the target's declared operation, as `chainLatency` would look it up.
          const at = chainLatency(
            ctx,
            target!.ref,
            call.operation!,
            promise.percentile,
            operation,
          );
          if (at) {
            parts.push({ at, op: call.operation! });
          }
        }
        if (parts.length === 0) {
          continue;
        }
        let critical = parts[0];
        let sum = 0;
        for (const part of parts) {
          sum += part.at.ms;
          if (part.at.ms > critical.at.ms) {
            critical = part;
          }
        }
        const impossible = critical.at.ms > promise.ms;
        if (!impossible && sum <= promise.ms) {
          continue;
        }
        const better =
          !worst ||
          (impossible && !worst.impossible) ||
          (impossible === worst.impossible &&
            promise.percentile > worst.percentile);
        if (better) {
          worst = {
            promised: promise.ms,
            percentile: promise.percentile,
            impossible,
            critical,
            parts,
            sum,
          };
        }
      }
      if (!worst) {
        continue;
      }
      const { critical } = worst;
      const holder = critical.at.holder;
      const s = entityName(self);
      const h = entityName(holder);
      const pct = formatPercentile(worst.percentile);
      const basis = op.current.length > 0 ? 'current' : 'target';
      const expected = `${pct} = ${formatMs(worst.promised)} (${basis}) for ${
        op.name
      }`;
      const chainText = critical.at.path
        .map(x => entityName(x.ref))
        .join(' → ');
      const actual = worst.impossible
        ? `${pct} ${critical.at.exact ? '=' : '≥'} ${formatMs(
            critical.at.ms,
          )} (${chainText}.${
            critical.at.path[critical.at.path.length - 1].subject
          })`
        : `${pct} ≈ ${formatMs(worst.sum)} summed over ${
            worst.parts.length
          } serial calls (${worst.parts
            .map(
              p =>
                `${entityName(p.at.path[0].ref)}.${p.op} ${formatMs(p.at.ms)}`,
            )
            .join(' + ')})`;
      drafts.push({
        severity: worst.impossible ? undefined : 'warning',
        consumer: self,
        provider: holder,
        subject: op.name,
        title: worst.impossible
          ? 'Latency path violation'
          : 'Latency path at risk',
        expected,
        actual,
        impact: worst.impossible
          ? `${capitalize(s)} cannot deliver ${op.name} at ${pct} = ${formatMs(
              worst.promised,
            )}: ${h} alone takes ${formatMs(critical.at.ms)}`
          : `${capitalize(s)}'s serial calls for ${
              op.name
            } likely add up beyond its ${pct} = ${formatMs(worst.promised)}`,
        resolutions: [
          `${s}: Correct the promise for ${op.name} (contract)`,
          `${h}: Reduce ${
            critical.at.path[critical.at.path.length - 1].subject
          } latency (performance work)`,
          `${s}: Call dependencies in parallel or cache them (redesign)`,
        ],
        evidence: {
          promise: [worst.percentile, worst.promised],
          parts: worst.parts.map(p => [p.at.holder, p.at.percentile, p.at.ms]),
        },
        details: [
          `${s} promises: ${expected}`,
          worst.impossible
            ? `${h} delivers: ${actual}`
            : `dependencies deliver: ${actual}`,
        ],
        action: worst.impossible
          ? `${capitalize(s)} must correct its ${pct} for ${
              op.name
            }, or ${h} must get faster`
          : undefined,
        chain: [self, ...critical.at.path.map(x => x.ref)],
        location: op.loc,
        edges: chainEdges(
          self,
          critical.at.path.map((x, i) =>
            i === 0 ? { ref: x.ref, subject: critical.op } : x,
          ),
        ),
      });
    }
    return drafts;
  },
};
