/*
 * Shared readings of contracts used by several rules: the calls an entity makes (depends_on and
 * retry_policies merged), latency at a percentile through call chains, effective freshness
 * through dataset lineage. The walks stop on cycles and have a fixed budget, so they terminate
 * and cost a bounded amount per anchor whatever the catalog's shape.
 */
import type {
  EntityContract,
  Freshness,
  PercentileLatency,
  ProvidedDataset,
  ProvidedOperation,
} from '../types';
import { resolveCalls } from './calls';
import type { ResolvedCall } from './calls';
import type { RuleContext } from './types';
import { lower } from './refs';

export { attemptsOf, callsOf } from './calls';
export type { Call, ResolvedCall } from './calls';

/** Longest chain a walk follows. */
export const MAX_WALK_DEPTH = 16;
/** Most entities a single walk visits. */
export const MAX_WALK_VISITS = 64;

/**
 * The bound every chain walk shares: records `key` as visited and answers true when the walk may
 * go on from there — not seen before, under {@link MAX_WALK_DEPTH} hops and
 * {@link MAX_WALK_VISITS} entities. Keeps walks finite on cycles and deterministic.
 */
export function enterWalk(
  visited: Set<string>,
  key: string,
  depth: number,
): boolean {
  if (
    visited.has(key) ||
    depth >= MAX_WALK_DEPTH ||
    visited.size >= MAX_WALK_VISITS
  ) {
    return false;
  }
  visited.add(key);
  return true;
}

/** `memoKey`'s keys made so far: prefix → part → key. */
const memoKeys = new Map<string, Map<string, string>>();

/**
 * `${prefix}\n${part}`, the same string object for the same prefix and part: a memo key built
 * per lookup is a fresh string, hashed (and flattened) by every lookup; this one is hashed once.
 */
export function memoKey(prefix: string, part: string): string {
  let byPart = memoKeys.get(prefix);
  if (!byPart) {
    byPart = new Map();
    memoKeys.set(prefix, byPart);
  }
  let key = byPart.get(part);
  if (key === undefined) {
    if (byPart.size >= 4096) {
      // Operation and dataset names are few; a catalog of many is not kept forever.
      byPart.clear();
    }
    key = `${prefix}\n${part}`;
    byPart.set(part, key);
  }
  return key;
}

/**
 * The calls of a contract with their targets resolved; memoized with the contract for the
 * analysis, so a walk that passes an entity many times resolves its calls once.
 */
export function resolvedCalls(
  ctx: RuleContext,
  contract: EntityContract | undefined,
): ResolvedCall[] {
  if (
    !contract ||
    (contract.dependsOn.length === 0 && contract.retryPolicies.length === 0)
  ) {
    return [];
  }
  return ctx.memo('resolvedCalls', () => resolveCalls(ctx, contract), contract);
}

/** `resolvedCalls(ctx, ctx.contract(at))`: the calls a walk goes on with from `at`. */
export function callsFrom(ctx: RuleContext, at: string): ResolvedCall[] {
  return resolvedCalls(ctx, ctx.contract(at));
}

/** A hop of a chain: an entity and the operation or dataset concerned there. */
export interface Hop {
  ref: string;
  subject: string;
}

/**
 * A latency at a percentile, known exactly (`exact`) or as a lower bound: quantiles grow with
 * the percentile, so `p50 = 2800ms` proves `p99 ≥ 2800ms`.
 */
export interface LatencyAt {
  /** The latency, or its lower bound. */
  ms: number;
  /** The declared percentile the value comes from. */
  percentile: number;
  exact: boolean;
  /** The value is the provider's `latency.target` (it declares no current latency): see {@link promisedLatencies}. */
  target?: boolean;
}

/**
 * The latencies an operation promises, and what they are: its `latency.current` when it declares
 * one; else its `latency.target`. An SLO's objective (Pyrra, OpenSLO) is a target, and it is
 * what its provider commits to: where no current value is given, the rules hold consumers (and
 * the provider's own dependencies) to the target as they would to a current value, and their
 * messages say `(target)`. Where both are given, the current value is what the rules check;
 * the target is the provider's plan (`latency-budget` names it as the way out).
 */
export function promisedLatencies(op: ProvidedOperation): PercentileLatency[] {
  return op.current.length > 0 ? op.current : op.target;
}

/**
 * The declared latency that gives the value at `percentile`: the one at that percentile, else
 * the highest at a lower percentile (a lower bound); undefined when there is neither.
 */
function declaredFor(
  declared: PercentileLatency[],
  percentile: number,
): PercentileLatency | undefined {
  let best: PercentileLatency | undefined;
  for (const l of declared) {
    if (l.percentile === percentile) {
      return l;
    }
    if (l.percentile < percentile && (!best || l.ms > best.ms)) {
      best = l;
    }
  }
  return best;
}

/** The latency at `percentile` from declared values: exact, else the bound from lower percentiles. */
export function latencyAt(
  declared: PercentileLatency[],
  percentile: number,
): LatencyAt | undefined {
  const l = declaredFor(declared, percentile);
  return (
    l && {
      ms: l.ms,
      percentile: l.percentile,
      exact: l.percentile === percentile,
    }
  );
}

/**
 * `latencyAt(declared, percentile)?.ms`, without building the result: to rule out a
 * comparison before any object is made.
 */
export function latencyMsAt(
  declared: PercentileLatency[],
  percentile: number,
): number | undefined {
  return declaredFor(declared, percentile)?.ms;
}

/**
 * `chainLatency(ctx, ref, operation, percentile, known)?.ms` when `known` declares current
 * latencies (the chain is then the provider alone: nothing read, nothing walked); `null` when
 * it does not (ask `chainLatency`).
 */
export function declaredLatencyMs(
  known: ProvidedOperation | undefined,
  percentile: number,
): number | undefined | null {
  return known && promisedLatencies(known).length > 0
    ? latencyMsAt(promisedLatencies(known), percentile)
    : null;
}

/**
 * {@link latencyAt} of a declared operation as a chain of one hop. Not cached: a few small
 * objects that mostly die young cost less than a cache keyed by operation.
 */
function declaredLatency(
  op: ProvidedOperation,
  ref: string,
  percentile: number,
): ChainLatency | undefined {
  const l = latencyAt(promisedLatencies(op), percentile);
  if (!l) return undefined;
  // A literal, not a spread of `l`: this runs for every latency compared.
  const at: ChainLatency = {
    ms: l.ms,
    percentile: l.percentile,
    exact: l.exact,
    holder: ref,
    path: [{ ref, subject: op.name }],
  };
  if (op.current.length === 0) at.target = true;
  return at;
}

/** A provider's latency for an operation, possibly established further down a call chain. */
export interface ChainLatency extends LatencyAt {
  /** The entity whose declared latency gives the value. */
  holder: string;
  /** From the queried provider to the holder, inclusive. */
  path: Hop[];
}

/**
 * The latency of `operation` on `ref` at `percentile`: the provider's declared current latency;
 * when it declares none, a lower bound from its own serial dependencies (the slowest of them,
 * found through further undeclared entities). Stops on cycles.
 */
export function chainLatency(
  ctx: RuleContext,
  ref: string,
  operation: string,
  percentile: number,
  known?: ProvidedOperation,
): ChainLatency | undefined {
  const declared = known ?? ctx.operation(ref, operation);
  if (declared && promisedLatencies(declared).length > 0) {
    return declaredLatency(declared, ref, percentile);
  }
  return ctx.memo(
    memoKey(memoKey('chainLatency', operation), String(percentile)),
    () => walkLatency(ctx, ref, operation, percentile),
    ref,
  );
}

function walkLatency(
  ctx: RuleContext,
  ref: string,
  operation: string,
  percentile: number,
): ChainLatency | undefined {
  const visited = new Set<string>();
  const walk = (
    at: string,
    op: string,
    depth: number,
  ): ChainLatency | undefined => {
    const declared = ctx.operation(at, op);
    if (declared && promisedLatencies(declared).length > 0) {
      return declaredLatency(declared, at, percentile);
    }
    if (!enterWalk(visited, lower(at), depth)) {
      return undefined;
    }
    let best: ChainLatency | undefined;
    for (const { call, target } of callsFrom(ctx, at)) {
      if (!call.operation || !target) {
        continue;
      }
      const found = walk(target.ref, call.operation, depth + 1);
      if (found && (!best || found.ms > best.ms)) {
        best = {
          ...found,
          exact: false,
          path: [{ ref: at, subject: op }, ...found.path],
        };
      }
    }
    return best;
  };
  return walk(ref, operation, 0);
}

/** The worst staleness a freshness promises. */
export function freshnessMaxMs(f: Freshness | undefined): number | undefined {
  return f?.maxMs ?? f?.typicalMaxMs;
}

/** A dataset's effective freshness, possibly established further up its lineage. */
export interface ChainFreshness {
  ms: number;
  /** The entity and dataset whose declared freshness gives the value. */
  holder: string;
  dataset: ProvidedDataset;
  /** True when the value is the queried dataset's own promise. */
  declared: boolean;
  /** From the queried dataset to the holder's, inclusive. */
  path: Hop[];
}

/**
 * The freshness of `dataset` provided by `ref`: its declared freshness; when it declares none,
 * a lower bound from its lineage (`derived_from`, the stalest source, through further
 * undeclared datasets). Stops on cycles.
 */
export function chainFreshness(
  ctx: RuleContext,
  ref: string,
  dataset: ProvidedDataset,
): ChainFreshness | undefined {
  const own = freshnessMaxMs(dataset.freshness);
  if (own !== undefined || dataset.derivedFrom.length === 0) {
    return own === undefined
      ? undefined
      : {
          ms: own,
          holder: ref,
          dataset,
          declared: true,
          path: [{ ref, subject: dataset.name }],
        };
  }
  return ctx.memo(
    memoKey('chainFreshness', dataset.name),
    () => walkFreshness(ctx, ref, dataset),
    ref,
  );
}

function walkFreshness(
  ctx: RuleContext,
  ref: string,
  dataset: ProvidedDataset,
): ChainFreshness | undefined {
  const visited = new Set<string>();
  const walk = (
    at: string,
    ds: ProvidedDataset,
    depth: number,
  ): ChainFreshness | undefined => {
    const own = freshnessMaxMs(ds.freshness);
    if (own !== undefined) {
      return {
        ms: own,
        holder: at,
        dataset: ds,
        declared: depth === 0,
        path: [{ ref: at, subject: ds.name }],
      };
    }
    if (!enterWalk(visited, `${lower(at)}#${ds.name}`, depth)) {
      return undefined;
    }
    let best: ChainFreshness | undefined;
    for (const source of ds.derivedFrom) {
      const match = ctx.findDataset(source.ref, source.dataset);
      if (!match.provider || !match.dataset) {
        continue;
      }
      const found = walk(match.provider, match.dataset, depth + 1);
      if (found && (!best || found.ms > best.ms)) {
        best = {
          ...found,
          declared: false,
          path: [{ ref: at, subject: ds.name }, ...found.path],
        };
      }
    }
    return best;
  };
  return walk(ref, dataset, 0);
}

/** How a dataset's lag is called, from its `via`. */
export function lagName(via: string | undefined): string | undefined {
  if (!via) {
    return undefined;
  }
  if (/replica/i.test(via)) {
    return 'replica lag';
  }
  if (/stream|event|kafka|cdc/i.test(via)) {
    return 'stream lag';
  }
  if (/cache/i.test(via)) {
    return 'cache age';
  }
  if (/batch|etl|snapshot|export/i.test(via)) {
    return 'batch interval';
  }
  return via.replace(/[_-]+/g, ' ');
}
