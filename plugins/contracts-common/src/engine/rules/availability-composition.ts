import type { EntityContract } from '../../types';
import { capitalize, entityName, formatMs, resolutionLines } from '../format';
import { enterWalk, memoKey, resolvedCalls } from '../paths';
import type { Hop, ResolvedCall } from '../paths';
import type { ContractRule, FindingDraft, RuleContext } from '../types';
import { chainEdges } from './util';
import { lower } from '../refs';

/** Minutes in a 30-day month, for the downtime an availability allows. */
const MONTH_MS = 30 * 24 * 3_600_000;

/** A dependency's availability: promised by the callee, or composed from its own hard calls. */
interface ChainAvailability {
  /** As a fraction of 1. */
  value: number;
  /** As written (`99.9%`), or the composed value (`≈ 99.80%`). */
  text: string;
  /** The entity whose promise gives the value (the callee itself when composed). */
  holder: string;
  /** True when the callee promises it; false when composed from its hard dependencies. */
  declared: boolean;
  /** From the callee to the entity whose promise weighs most, inclusive. */
  path: Hop[];
}

/**
 * `99.95` → `99.95%`; a composed fraction is floored to the decimals that show it below
 * `below` (a promise it fails), so a rounding never makes it look kept.
 */
export function formatAvailability(fraction: number, below?: number): string {
  const percent = fraction * 100;
  // as many decimals as the promise has, at least two
  const first =
    below === undefined
      ? 2
      : Math.max(
          2,
          (String(Math.round(below * 1e8) / 1e6).split('.')[1] ?? '').length,
        );
  for (let decimals = first; decimals <= 6; decimals++) {
    const factor = 10 ** decimals;
    const floored = Math.floor(percent * factor + 1e-9) / factor;
    if (below === undefined || floored < below * 100 || decimals === 6) {
      return `${floored.toFixed(decimals).replace(/\.?0+$/, '')}%`;
    }
  }
  return `${percent}%`;
}

/** The smallest percentage with few decimals that is at least `fraction` (a promise to reach). */
function atLeast(fraction: number): string {
  const percent = fraction * 100;
  for (let decimals = 2; decimals <= 6; decimals++) {
    const factor = 10 ** decimals;
    const ceiled = Math.ceil(percent * factor - 1e-9) / factor;
    if (ceiled < 100 || decimals === 6) {
      return `${ceiled.toFixed(decimals).replace(/\.?0+$/, '')}%`;
    }
  }
  return '100%';
}

/** The downtime an availability allows in a 30-day month: `4.3m`, `86.4m`, `7.2h`. */
function downtime(fraction: number): string {
  const ms = (1 - fraction) * MONTH_MS;
  if (ms >= 3 * 3_600_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  return formatMs(Math.round(ms / 1000) * 1000);
}

/** Hard calls: `depends_on` entries without a `fallback`, to another entity in the catalog. */
function hardCalls(ctx: RuleContext, contract: EntityContract): ResolvedCall[] {
  const self = lower(contract.entityRef);
  return resolvedCalls(ctx, contract).filter(
    c =>
      c.call.dependency &&
      !c.call.dependency.fallback &&
      c.target &&
      lower(c.target.ref) !== self,
  );
}

/** What a provider promises for an operation: its own `availability`, else the service's. */
function promised(contract: EntityContract | undefined, operation?: string) {
  if (!contract) return undefined;
  const op =
    operation === undefined
      ? undefined
      : contract.operations.find(o => o.name === operation);
  return op?.availability ?? contract.availability;
}

/** What `ref` promises for `operation`, as a chain of one hop. */
function declaredAt(
  contract: EntityContract | undefined,
  ref: string,
  operation: string | undefined,
): ChainAvailability | undefined {
  const own = promised(contract, operation);
  return (
    own && {
      value: own.percent / 100,
      text: own.raw,
      holder: ref,
      declared: true,
      path: [{ ref, subject: operation ?? '*' }],
    }
  );
}

/**
 * The availability of `operation` on `ref`: what it promises; when it promises none, the
 * product of its own hard dependencies' availabilities (found through further entities that
 * promise none). Stops on cycles.
 */
function chainAvailability(
  ctx: RuleContext,
  ref: string,
  operation: string | undefined,
): ChainAvailability | undefined {
  const own = declaredAt(ctx.contract(ref), ref, operation);
  if (own) return own;
  return ctx.memo(
    memoKey('availability-composition', operation ?? '*'),
    () => walk(ctx, ref, operation),
    ref,
  );
}

function walk(
  ctx: RuleContext,
  ref: string,
  operation: string | undefined,
): ChainAvailability | undefined {
  const visited = new Set<string>();
  const go = (
    at: string,
    op: string | undefined,
    depth: number,
  ): ChainAvailability | undefined => {
    const contract = ctx.contract(at);
    const own = declaredAt(contract, at, op);
    if (own) return own;
    if (!contract || !enterWalk(visited, lower(at), depth)) {
      return undefined;
    }
    let value = 1;
    let weakest: ChainAvailability | undefined;
    for (const { call, target } of hardCalls(ctx, contract)) {
      const found = go(target!.ref, call.operation, depth + 1);
      if (!found) continue;
      value *= found.value;
      if (!weakest || found.value < weakest.value) weakest = found;
    }
    if (!weakest) return undefined;
    return {
      value,
      text: `≈ ${formatAvailability(value)}`,
      holder: at,
      declared: false,
      path: [{ ref: at, subject: op ?? '*' }, ...weakest.path],
    };
  };
  return go(ref, operation, 0);
}

/**
 * `availability-composition`: an entity promises an availability (per operation, or for the
 * whole service at the top of its contract) above what its serial hard dependencies (calls
 * without a `fallback`) can give together: their availabilities multiply. A dependency that
 * promises none is composed from its own hard dependencies, so the weakest hop may be further
 * down the chain; cycles stop the walk. Retries are not counted as improving availability
 * (failures of one dependency are rarely independent).
 * @public
 */
export const availabilityCompositionRule: ContractRule = {
  id: 'availability-composition',
  title: 'Availability promise above its hard dependencies',
  defaultSeverity: 'error',
  description:
    'A promised availability exceeds what its serial hard dependencies (no fallback) can give together.',
  evaluate(anchor, ctx) {
    const self = anchor.entityRef;
    const promises = anchor.operations
      .map(op => ({
        subject: op.name,
        availability: op.availability ?? anchor.availability,
      }))
      .filter(p => p.availability);
    if (promises.length === 0 && anchor.availability) {
      promises.push({ subject: '*', availability: anchor.availability });
    }
    if (promises.length === 0) return [];
    const calls = hardCalls(ctx, anchor);
    const parts: Array<{ call: ResolvedCall; at: ChainAvailability }> = [];
    for (const call of calls) {
      const at = chainAvailability(ctx, call.target!.ref, call.call.operation);
      if (at) parts.push({ call, at });
    }
    if (parts.length === 0) return [];
    let product = 1;
    let weakest = parts[0];
    for (const part of parts) {
      product *= part.at.value;
      if (part.at.value < weakest.at.value) weakest = part;
    }
    const drafts: FindingDraft[] = [];
    for (const { subject, availability } of promises) {
      const promise = availability!.percent / 100;
      if (product >= promise - 1e-12) continue;
      const s = entityName(self);
      const w = entityName(weakest.call.target!.ref);
      const wOp = weakest.call.call.operation;
      const called = `${w}${wOp ? `.${wOp}` : ''}`;
      const forWhat = subject === '*' ? '' : ` for ${subject}`;
      const composed = formatAvailability(product, promise);
      const arithmetic = parts
        .map(
          p =>
            `${
              p.at.declared ? p.at.text : `${p.at.text} composed`
            } (${entityName(p.call.target!.ref)}${
              p.call.call.operation ? `.${p.call.call.operation}` : ''
            })`,
        )
        .join(' × ');
      // what the weakest would have to promise for the product to reach the promise
      const others = product / weakest.at.value;
      const needed = promise / others;
      const expected = `${availability!.raw}${forWhat}`;
      const actual =
        parts.length > 1
          ? `≈ ${composed} (${parts.map(p => p.at.text).join(' × ')})`
          : `${weakest.at.declared ? '' : '≈ '}${composed} (${called})`;
      const resolutions = [
        `${s}: Add a fallback for ${called}, so that it is no longer a hard dependency (contract, degraded mode)`,
        needed <= 1
          ? `${w}: Promise at least ${atLeast(needed)} for ${
              wOp ?? 'its operations'
            } (reliability work)`
          : `${w}: Cannot lift it alone: even 100% leaves ≈ ${formatAvailability(
              others,
              promise,
            )} from the others`,
        `${s}: Promise at most ${composed}${forWhat} (contract)`,
      ];
      const impact = `${capitalize(s)} allows ${downtime(
        promise,
      )} of downtime a month${forWhat}; its hard dependencies alone are down ≈ ${downtime(
        product,
      )} a month`;
      drafts.push({
        consumer: self,
        provider: weakest.at.holder,
        subject,
        title: 'Availability composition violation',
        expected,
        actual,
        impact,
        resolutions,
        evidence: {
          promise: availability!.percent,
          parts: parts.map(p => [
            p.at.holder,
            p.call.call.operation ?? '*',
            p.at.value,
          ]),
        },
        details: [
          `${s} promises: ${expected}`,
          `hard dependencies give: ${arithmetic} ≈ ${composed}`,
        ],
        notes: [`Impact: ${impact}`, ...resolutionLines(resolutions)],
        action: `${capitalize(
          s,
        )} must add a fallback for ${called} or promise less, or ${w} must promise more`,
        chain: [self, ...weakest.at.path.map(h => h.ref)],
        location: availability!.loc,
        edges: chainEdges(
          self,
          weakest.at.path.map((h, i) =>
            i === 0 ? { ref: h.ref, subject: wOp ?? '*' } : h,
          ),
        ),
      });
    }
    return drafts;
  },
};
