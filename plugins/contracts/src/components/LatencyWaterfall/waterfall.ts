/*
 * The arithmetic of the latency and freshness waterfalls: pure functions over the contracts the
 * backend answers (no React, no fetching), so that what the picture shows is tested apart from
 * how it is drawn. The percentile and attempts readings are the engine's own (contracts-common).
 */
import {
  attemptTimeoutMs,
  callsOf,
  latencyAt,
  promisedLatencies,
} from '@backstage-contracts/plugin-contracts-common';
import type {
  Call,
  EntityContract,
  LatencyBound,
  ProvidedDataset,
} from '@backstage-contracts/plugin-contracts-common';

/** Looks a contract up by entity ref (any case); undefined when unknown or not fetched. */
export type ContractLookup = (ref: string) => EntityContract | undefined;

/** How deep a waterfall follows calls below the consumer's own. */
export const MAX_WATERFALL_DEPTH = 4;
/** How many rows a waterfall draws at most (a fan-out stays readable). */
export const MAX_WATERFALL_ROWS = 24;

/** One call in a latency waterfall: a bar from `startMs` to `endMs`. */
export interface LatencyHop {
  /** The entity calling. */
  caller: string;
  /** The entity called, as the caller's contract resolved it. */
  ref: string;
  /** The operation called (`*` when the contract names none). */
  subject: string;
  /** 0 for the consumer's own call, 1 for the calls its provider makes, … */
  depth: number;
  /** When the call starts, in ms after the consumer's call: serial calls follow each other. */
  startMs: number;
  /** `startMs` + the latency the bar shows (`startMs` when nothing is known). */
  endMs: number;
  /**
   * The provider's declared latency at the waterfall's percentile: `exact` when declared at it,
   * else a lower bound from a lower percentile (`p50 = 2800ms` proves `p95 ≥ 2800ms`).
   * `derived`: the provider declares none; the bar spans its own serial calls.
   */
  latency?: {
    ms: number;
    percentile: number;
    exact: boolean;
    basis: 'current' | 'target' | 'derived';
  };
  /** The tail whisker: the highest declared percentile above the waterfall's (p99). */
  tail?: { percentile: number; ms: number };
  /** The caller's timeout on one attempt (`per_try_timeout`, else `timeout`). */
  timeoutMs?: number;
  /** Attempts per request the caller makes (retries included). */
  attempts: number;
  /**
   * Retry multiplication: attempts × the longest one attempt may take (the timeout, else the
   * latency): how long the caller may be kept waiting on this call. Only with attempts > 1.
   */
  retryWorstMs?: number;
  /** Requests this call receives per request to the consumer (attempts multiplied down the chain). */
  requests: number;
  /** The bar ends beyond the consumer's budget. */
  overBudget: boolean;
  /** The slowest declared latency of the chain: the hop to fix first. */
  critical: boolean;
}

/** A consumer's call, with the calls below it, against its latency budget. */
export interface LatencyWaterfallModel {
  consumer: string;
  /** The call drawn: the consumer's dependency. */
  provider: string;
  subject: string;
  /** The percentile of the bars (the budget's, p95 without one). */
  percentile: number;
  /** The line: the budget's bound checked first (acceptable, budget, maximum, target), or the promise. */
  budget?: LatencyLine;
  hops: LatencyHop[];
  /** Where the consumer's calls end (one after another). */
  totalMs: number;
  /** The axis runs from 0 to this, a round number above everything drawn. */
  scaleMs: number;
  ticks: number[];
  /** Rows left out beyond MAX_WATERFALL_ROWS or MAX_WATERFALL_DEPTH. */
  truncated: boolean;
}

const BUDGET_ORDER: LatencyBound['level'][] = [
  'acceptable',
  'budget',
  'maximum',
  'target',
];

/** The bound a waterfall draws as its line: acceptable first, as the engine names it first. */
export function budgetLine(budget: LatencyBound[]): LatencyBound | undefined {
  for (const level of BUDGET_ORDER) {
    const b = budget.find(x => x.level === level);
    if (b) return b;
  }
  return undefined;
}

const sameRef = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A round step for about five ticks over `max`: 1, 2 or 5 × a power of ten. */
export function niceStep(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const n = raw / power;
  const m = [1, 2, 5].find(x => n <= x) ?? 10;
  return m * power;
}

/** The axis: a round end above `maxMs` (with a little room) and its ticks from 0. */
export function axis(maxMs: number): { scaleMs: number; ticks: number[] } {
  const step = niceStep(maxMs * 1.05);
  const scaleMs = Math.max(step, Math.ceil((maxMs * 1.05) / step) * step);
  const ticks: number[] = [];
  for (let t = 0; t <= scaleMs + step / 2; t += step) ticks.push(t);
  return { scaleMs, ticks };
}

/** The line a latency waterfall is drawn against. */
export interface LatencyLine {
  ms: number;
  percentile: number;
  /** A bound of the consumer's budget, or (`promise`) what the consumer itself promises. */
  level: LatencyBound['level'] | 'promise';
  raw: string;
}

/**
 * The waterfall of one of the consumer's calls at the budget's percentile: the provider's bar
 * (its declared latency), below it the provider's own calls one after another (serial, as the
 * `latency-path` rule takes them), and so on down to {@link MAX_WATERFALL_DEPTH}; a provider
 * that declares no latency spans its calls. Timeouts and retry multiplication come from each
 * caller's contract; the critical hop is the slowest declared latency. Cycles stop the walk.
 */
export function latencyWaterfall(
  consumer: EntityContract,
  call: { ref: string; operation?: string },
  lookup: ContractLookup,
): LatencyWaterfallModel {
  const root = callsOf(consumer).find(
    c => sameRef(c.ref, call.ref) && c.operation === call.operation,
  );
  if (!root) {
    throw new Error(
      `${consumer.entityRef} makes no call to ${call.ref} ${
        call.operation ?? ''
      }`,
    );
  }
  const bound = root.dependency
    ? budgetLine(root.dependency.budget)
    : undefined;
  return walkLatency(
    consumer,
    [root],
    bound && {
      ms: bound.ms,
      percentile: bound.percentile,
      level: bound.level,
      raw: bound.raw,
    },
    bound?.percentile ?? 95,
    lookup,
    { provider: root.ref, subject: root.operation ?? '*' },
  );
}

/**
 * The waterfall of what the consumer promises for one of its operations (the picture of
 * `latency-path`): its calls one after another at depth 0 against its own promise at
 * `percentile` (p95 when declared, else its highest declared percentile).
 */
export function promiseWaterfall(
  consumer: EntityContract,
  operation: string,
  lookup: ContractLookup,
  percentile?: number,
): LatencyWaterfallModel {
  const op = consumer.operations.find(o => o.name === operation);
  const declared = op ? promisedLatencies(op) : [];
  const wanted =
    percentile ??
    (declared.some(l => l.percentile === 95)
      ? 95
      : Math.max(95, ...declared.map(l => l.percentile)));
  const at = latencyAt(declared, wanted);
  const roots = callsOf(consumer).filter(
    c => c.operation && !sameRef(c.ref, consumer.entityRef),
  );
  return walkLatency(
    consumer,
    roots,
    at && {
      ms: at.ms,
      percentile: wanted,
      level: 'promise',
      raw: `p${wanted} ${at.exact ? '=' : '≥'} ${at.ms}ms`,
    },
    wanted,
    lookup,
    { provider: consumer.entityRef, subject: operation },
  );
}

function walkLatency(
  consumer: EntityContract,
  roots: Call[],
  bound: LatencyLine | undefined,
  percentile: number,
  lookup: ContractLookup,
  about: { provider: string; subject: string },
): LatencyWaterfallModel {
  const hops: LatencyHop[] = [];
  let truncated = false;

  function visit(
    caller: string,
    c: Call,
    depth: number,
    startMs: number,
    requestsAbove: number,
    onPath: string[],
  ): LatencyHop | undefined {
    if (hops.length >= MAX_WATERFALL_ROWS) {
      truncated = true;
      return undefined;
    }
    const attempts = c.attempts;
    const timeoutMs = attemptTimeoutMs(c);
    const hop: LatencyHop = {
      caller,
      ref: c.ref,
      subject: c.operation ?? '*',
      depth,
      startMs,
      endMs: startMs,
      attempts,
      requests: requestsAbove * attempts,
      overBudget: false,
      critical: false,
    };
    if (timeoutMs !== undefined) hop.timeoutMs = timeoutMs;
    hops.push(hop);
    const contract = lookup(c.ref);
    const op = c.operation
      ? contract?.operations.find(o => o.name === c.operation)
      : undefined;
    const declared = op ? promisedLatencies(op) : [];
    const at = latencyAt(declared, percentile);
    if (op && at) {
      hop.latency = {
        ms: at.ms,
        percentile: at.percentile,
        exact: at.exact,
        basis: op.current.length > 0 ? 'current' : 'target',
      };
      hop.endMs = startMs + at.ms;
      let tail: { percentile: number; ms: number } | undefined;
      for (const l of declared) {
        if (
          l.percentile > percentile &&
          (!tail || l.percentile > tail.percentile)
        ) {
          tail = { percentile: l.percentile, ms: l.ms };
        }
      }
      if (tail) hop.tail = tail;
    } else if (contract && !onPath.some(r => sameRef(r, c.ref))) {
      // no declared latency: the provider takes at least its own serial calls
      if (depth + 1 > MAX_WATERFALL_DEPTH) {
        truncated = callsOf(contract).length > 0 || truncated;
      } else {
        const end = visitSerial(
          c.ref,
          callsOf(contract),
          depth + 1,
          startMs,
          hop.requests,
          [...onPath, c.ref],
        );
        if (end > startMs) {
          hop.latency = {
            ms: end - startMs,
            percentile,
            exact: false,
            basis: 'derived',
          };
          hop.endMs = end;
        }
      }
    }
    const attemptMs = timeoutMs ?? hop.latency?.ms;
    if (attempts > 1 && attemptMs !== undefined) {
      hop.retryWorstMs = attempts * attemptMs;
    }
    return hop;
  }

  /** Calls one after another from `startMs`; answers where the last one ends. */
  function visitSerial(
    caller: string,
    calls: Call[],
    depth: number,
    startMs: number,
    requests: number,
    onPath: string[],
  ): number {
    let at = startMs;
    for (const child of calls) {
      if (sameRef(child.ref, caller)) continue;
      const h = visit(caller, child, depth, at, requests, onPath);
      if (h) at = Math.max(at, h.endMs);
    }
    return at;
  }

  const totalMs = visitSerial(consumer.entityRef, roots, 0, 0, 1, [
    consumer.entityRef,
  ]);

  let critical: LatencyHop | undefined;
  for (const h of hops) {
    if (h.latency && h.latency.basis !== 'derived') {
      if (!critical || h.latency.ms > critical.latency!.ms) critical = h;
    }
  }
  if (critical) critical.critical = true;
  if (bound) {
    for (const h of hops) h.overBudget = h.endMs > bound.ms;
  }
  let maxMs = bound?.ms ?? 0;
  for (const h of hops) {
    maxMs = Math.max(
      maxMs,
      h.endMs,
      h.startMs + (h.tail?.ms ?? 0),
      h.startMs + (h.timeoutMs ?? 0),
      h.startMs + (h.retryWorstMs ?? 0),
    );
  }
  const { scaleMs, ticks } = axis(maxMs);
  const model: LatencyWaterfallModel = {
    consumer: consumer.entityRef,
    provider: about.provider,
    subject: about.subject,
    percentile,
    hops,
    totalMs,
    scaleMs,
    ticks,
    truncated,
  };
  if (bound) model.budget = bound;
  return model;
}

/** The calls of a consumer worth a latency waterfall: those naming an operation. */
export function waterfallCalls(
  consumer: EntityContract,
): Array<{ ref: string; operation: string }> {
  return callsOf(consumer)
    .filter(
      c => c.operation !== undefined && !sameRef(c.ref, consumer.entityRef),
    )
    .map(c => ({ ref: c.ref, operation: c.operation! }));
}

/**
 * Every entity a consumer's waterfalls may read: the sources of its data needs, and its calls'
 * targets breadth first to the depth drawn.
 */
export function waterfallRefs(
  consumer: EntityContract,
  lookup: ContractLookup,
): string[] {
  const seen: string[] = [consumer.entityRef];
  // the sources of its data needs (their datasets' own sources: see useChainContracts)
  for (const need of consumer.dataDependencies) {
    if (!seen.some(r => sameRef(r, need.ref))) seen.push(need.ref);
  }
  let frontier: EntityContract[] = [consumer];
  for (
    let depth = 0;
    depth <= MAX_WATERFALL_DEPTH && frontier.length;
    depth++
  ) {
    const next: EntityContract[] = [];
    for (const c of frontier) {
      for (const call of callsOf(c)) {
        if (seen.some(r => sameRef(r, call.ref))) continue;
        seen.push(call.ref);
        const known = lookup(call.ref);
        if (known) next.push(known);
      }
    }
    frontier = next;
  }
  return seen.slice(1);
}

/** One dataset in a freshness waterfall, upstream first. */
export interface FreshnessHop {
  /** The entity providing the dataset. */
  ref: string;
  dataset: string;
  /** Derivation depth: 0 is the dataset the consumer reads, 1 what it is derived from, … */
  depth: number;
  /** Its promised staleness: typical range and worst (`15-30s typical, 60s max`). */
  typicalMinMs?: number;
  typicalMaxMs?: number;
  maxMs?: number;
  raw?: string;
  /** Staleness it adds to what it is derived from (its worst minus the worst above it). */
  addsMs?: number;
  /** It promises to be fresher than a dataset it is derived from (`freshness-path`). */
  fresherThanSource: boolean;
  /** Its worst staleness is beyond the consumer's need. */
  overNeed: boolean;
  /** The hop that makes the need fail first (upstream-most over the need). */
  critical: boolean;
}

/** A consumer's data need against the staleness accumulated along the datasets it reads. */
export interface FreshnessWaterfallModel {
  consumer: string;
  provider: string;
  dataset: string;
  needMs: number;
  needRaw: string;
  /** Upstream first: the consumer's dataset last. */
  hops: FreshnessHop[];
  scaleMs: number;
  ticks: number[];
}

/**
 * The freshness waterfall of a data need: the dataset the consumer reads (from `provider`,
 * found by the engine: a `data-freshness` finding names it), then what it is derived from,
 * transitively (first source of each, cycles stop). Each bar is the staleness its dataset
 * promises; what each hop adds is its worst minus the worst of its source.
 */
export function freshnessWaterfall(
  consumer: string,
  need: { freshnessRequiredMs: number; freshnessRaw: string },
  provider: string,
  dataset: string,
  lookup: ContractLookup,
): FreshnessWaterfallModel {
  const chain: FreshnessHop[] = [];
  let at: { ref: string; dataset: string } | undefined = {
    ref: provider,
    dataset,
  };
  const seen: string[] = [];
  while (at && chain.length <= MAX_WATERFALL_DEPTH) {
    const key = `${at.ref.toLowerCase()}#${at.dataset}`;
    if (seen.includes(key)) break;
    seen.push(key);
    const wantedName: string = at.dataset;
    const d: ProvidedDataset | undefined = lookup(at.ref)?.datasets.find(
      x => x.name === wantedName,
    );
    const hop: FreshnessHop = {
      ref: at.ref,
      dataset: at.dataset,
      depth: chain.length,
      fresherThanSource: false,
      overNeed: false,
      critical: false,
    };
    if (d?.freshness) {
      const f = d.freshness;
      if (f.typicalMinMs !== undefined) hop.typicalMinMs = f.typicalMinMs;
      if (f.typicalMaxMs !== undefined) hop.typicalMaxMs = f.typicalMaxMs;
      if (f.maxMs !== undefined) hop.maxMs = f.maxMs;
      hop.raw = f.raw;
    }
    chain.push(hop);
    const source: ProvidedDataset['derivedFrom'][number] | undefined =
      d?.derivedFrom[0];
    at = source && { ref: source.ref, dataset: source.dataset };
  }
  const hops = chain.reverse();
  let above: number | undefined;
  for (const hop of hops) {
    const worst = hop.maxMs ?? hop.typicalMaxMs;
    if (worst !== undefined) {
      if (above !== undefined) {
        hop.addsMs = worst - above;
        hop.fresherThanSource = worst < above;
      }
      hop.overNeed = worst > need.freshnessRequiredMs;
      above = Math.max(above ?? 0, worst);
    }
  }
  const first = hops.find(h => h.overNeed);
  if (first) first.critical = true;
  let maxMs = need.freshnessRequiredMs;
  for (const h of hops) maxMs = Math.max(maxMs, h.maxMs ?? h.typicalMaxMs ?? 0);
  const { scaleMs, ticks } = axis(maxMs);
  return {
    consumer,
    provider,
    dataset,
    needMs: need.freshnessRequiredMs,
    needRaw: need.freshnessRaw,
    hops,
    scaleMs,
    ticks,
  };
}
