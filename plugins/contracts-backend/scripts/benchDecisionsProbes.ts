/*
 * What bench-decisions.ts measures with: the catalog probe (a worker thread per replica, open
 * loop), the trace hook preloaded into the replicas (their polling loops' runs), and small
 * statistics helpers.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HEADERS, sleep } from './benchBackend';

/**
 * Preloaded into both replicas: tells (on stderr, i.e. the replica's log) each run of the
 * plugin's polling loops — the decisions sync and the graph's quick check — how long it took and
 * the pause chosen after it, through the `onPause` option of startPolling (src/services/polling.ts)
 * which the plugin does not use, and its failures through `onError` (which the plugin gives a
 * debug log line). Nothing else changes.
 */
export const TRACE_HOOK = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
setInterval(() => {
  process.stderr.write('[bench-eld] ' + JSON.stringify({ at: Date.now(), maxMs: Math.max(0, eld.max / 1e6 - 10) }) + '\\n');
  eld.reset();
}, 500).unref();
const Module = require('node:module');
const load = Module._load;
const wrapped = new WeakMap();
Module._load = function (request) {
  const exports = load.apply(this, arguments);
  if (!/polling/.test(request) || !exports || typeof exports.startPolling !== 'function') return exports;
  let w = wrapped.get(exports);
  if (!w) {
    const start = exports.startPolling;
    w = { ...exports, startPolling: options => {
      const fn = String(options.fn);
      const loop = /decisions\\.sync/.test(fn) ? 'decisions' : /refreshChanges/.test(fn) ? 'graph' : 'other';
      const trace = o => process.stderr.write('[bench-trace] ' + JSON.stringify({ at: Date.now(), loop, intervalMs: options.intervalMs, ...o }) + '\\n');
      return start({ ...options,
        onPause: (pauseMs, runMs) => {
          trace({ runMs, pauseMs });
          if (options.onPause) options.onPause(pauseMs, runMs);
        },
        onError: error => {
          trace({ error: String(error).slice(0, 300) });
          if (options.onError) options.onError(error);
        },
      });
    } };
    Object.defineProperty(w, '__esModule', { value: true });
    wrapped.set(exports, w);
  }
  return w;
};
`;

/** A run of a polling loop (when it ended, how long it took, the pause after), or a failure. */
export interface Trace {
  at: number;
  loop: string;
  /** The loop's interval (the shortest pause). */
  intervalMs: number;
  runMs: number;
  pauseMs: number;
  error?: string;
}

/** What a replica's log tells of a polling loop between two times: runs, or (`errors`) failures. */
export function tracesOf(
  logFile: string,
  loop: string,
  from: number,
  to: number,
  errors = false,
) {
  const out: Trace[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('[bench-trace] ')) continue;
    const t: Trace = JSON.parse(line.slice(14));
    if (
      t.loop === loop &&
      t.at >= from &&
      t.at <= to &&
      (t.error !== undefined) === errors
    )
      out.push(t);
  }
  return out;
}

/**
 * The catalog probe, in a worker thread per replica (its own event loop): open loop, one request
 * every 1/rate s whatever the answers do (a slow answer does not delay the next request, so a
 * stall is measured, not skipped), over fetch's keep-alive pool; or `amount` requests, 8 at a
 * time (the warm-up). Every response's latency (sent → body read) and time kept.
 */
export const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { url, headers, rate, amount, n, maxInFlight } = workerData;
let i = 0, inflight = 0, errors = 0, dropped = 0, stopped = false;
const latencies = [], times = [], statuses = {};
const one = async () => {
  const target = url.replace('svc-N', 'svc-' + (i++ % n));
  inflight++;
  const t0 = performance.now();
  try {
    const res = await fetch(target, { headers });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    times.push(Date.now());
    statuses[res.status] = (statuses[res.status] || 0) + 1;
  } catch {
    errors++;
  } finally {
    inflight--;
  }
};
const finish = async () => {
  while (inflight) await new Promise(r => setTimeout(r, 10));
  parentPort.postMessage({ latencies: Float64Array.from(latencies), times: Float64Array.from(times), statuses, errors, dropped });
};
if (amount) {
  let k = 0;
  Promise.all(Array.from({ length: 8 }, async () => { while (k++ < amount) await one(); })).then(finish);
} else {
  const period = 1000 / rate;
  const start = performance.now();
  let k = 0;
  const tick = () => {
    if (stopped) return;
    while (start + k * period <= performance.now()) {
      k++;
      if (inflight < maxInFlight) one();
      else dropped++;
    }
    setTimeout(tick, Math.max(0, start + k * period - performance.now()));
  };
  tick();
  parentPort.on('message', m => { if (m === 'stop') { stopped = true; finish(); } });
}
`;

export interface ProbeResult {
  latencies: Float64Array;
  times: Float64Array;
  statuses: Record<string, number>;
  errors: number;
  /** Not sent: PROBE_MAX_IN_FLIGHT requests were waiting already. */
  dropped: number;
}

export function startProbe(
  base: string,
  token: string,
  options: {
    /** Requests per second (open loop). */
    rate: number;
    /** Entities svc-0 … svc-(n-1), asked round robin. */
    n: number;
    /** Requests in flight at most; beyond, one is not sent (counted as dropped). */
    maxInFlight: number;
    /** A number of requests, 8 at a time, instead of the open loop (a warm-up). */
    amount?: number;
  },
): { stop(): Promise<ProbeResult> } {
  const { rate, n, maxInFlight, amount } = options;
  const worker = new Worker(PROBE, {
    eval: true,
    workerData: {
      url: `${base}/api/catalog/entities/by-name/component/default/svc-N`,
      headers: { ...HEADERS, authorization: `Bearer ${token}` },
      rate,
      maxInFlight,
      amount,
      n,
    },
  });
  const done = new Promise<ProbeResult>((res, rej) => {
    worker.once('message', res);
    worker.once('error', rej);
  }).finally(() => worker.terminate());
  return {
    stop() {
      if (!amount) worker.postMessage('stop');
      return done;
    },
  };
}

/** The value at quantile q of sorted values. */
export const at = (sorted: ArrayLike<number>, q: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
    : NaN;
export const sortedOf = (values: ArrayLike<number>) =>
  Float64Array.from(values).sort();
export const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v)
    ? '      -'
    : `${v.toFixed(1)} ms`.padStart(10);
export const secs = (v: number | undefined) =>
  v === undefined ? '-' : `${(v / 1000).toFixed(2)} s`;
export const count = (m: Map<string, number> | Record<string, number>) =>
  [...(m instanceof Map ? m : Object.entries(m))]
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

/** The load average while `fn` runs, sampled every second: mean and max of the 1-min figure. */
export async function withLoad<T>(
  fn: () => Promise<T>,
): Promise<[T, { mean: number; max: number }]> {
  const samples: number[] = [loadavg()[0]];
  const timer = setInterval(() => samples.push(loadavg()[0]), 1000);
  try {
    const out = await fn();
    samples.push(loadavg()[0]);
    return [
      out,
      {
        mean: samples.reduce((a, b) => a + b, 0) / samples.length,
        max: Math.max(...samples),
      },
    ];
  } finally {
    clearInterval(timer);
  }
}

type Phases = ReadonlyArray<readonly [string, number, number]>;

/** How long each replica's polling runs took, and the pauses after them (the trace hook). */
export function pollingReport(
  replicas: Array<{ logFile: string }>,
  names: string[],
  phases: Phases,
): string[] {
  const stats = (v: number[]) => {
    const x = sortedOf(v);
    return `median ${at(x, 0.5).toFixed(0)}, p95 ${at(x, 0.95).toFixed(
      0,
    )}, max ${(x[x.length - 1] ?? NaN).toFixed(0)}`;
  };
  const out = [
    '',
    'polling runs of each replica (src/services/polling.ts; ms; stretched: a pause longer than the interval):',
  ];
  for (const [phase, from, to] of phases) {
    for (const [i, r] of replicas.entries()) {
      for (const loop of ['decisions', 'graph']) {
        const t = tracesOf(r.logFile, loop, from, to);
        if (!t.length) continue;
        const stretched = t.filter(x => x.pauseMs > x.intervalMs).length;
        out.push(
          `  ${names[i]} ${phase.padEnd(7)}${loop.padEnd(10)}${String(
            t.length,
          ).padStart(4)} runs: run ${stats(t.map(x => x.runMs))}; pause ${stats(
            t.map(x => x.pauseMs),
          )} (${stretched} stretched)`,
        );
      }
    }
  }
  return out;
}

/**
 * Each replica's event loop per phase, as contracts.decisions.maxEventLoopDelay sees it: the
 * longest delay (beyond the 10 ms resolution) of each 500 ms sample (the trace hook's
 * monitorEventLoopDelay), their median, p90 and max, and the share of samples over 50/100/200 ms.
 */
export function loopDelayReport(
  replicas: Array<{ logFile: string }>,
  names: string[],
  phases: Phases,
): string[] {
  const out = [
    '',
    'event loop of each replica: the longest delay of each 500 ms sample, ms (what maxEventLoopDelay compares)',
  ];
  for (const [phase, from, to] of phases) {
    for (const [i, r] of replicas.entries()) {
      const samples: number[] = [];
      for (const line of readFileSync(r.logFile, 'utf8').split('\n')) {
        if (!line.startsWith('[bench-eld] ')) continue;
        const e = JSON.parse(line.slice(12));
        if (e.at >= from && e.at <= to) samples.push(e.maxMs);
      }
      if (!samples.length) continue;
      const x = sortedOf(samples);
      const over = (bound: number) =>
        `${(
          (100 * samples.filter(v => v > bound).length) /
          samples.length
        ).toFixed(0)}%`;
      out.push(
        `  ${names[i]} ${phase.padEnd(7)}${String(x.length).padStart(
          4,
        )} samples: median ${at(x, 0.5).toFixed(0)}, p90 ${at(x, 0.9).toFixed(
          0,
        )}, max ${x[x.length - 1].toFixed(0)}; over 50 ms ${over(
          50,
        )}, over 100 ms ${over(100)}, over 200 ms ${over(200)}`,
      );
    }
  }
  return out;
}

/**
 * The graph's quick check (every refreshIntervalSeconds, stretched when slow) reads every entity
 * from the catalog of its own replica: per phase and replica, the probe's requests in flight
 * while one ran and the p99 of the others; and the p99 per 10 s window of the load phase (the
 * second of `phases`; * a quick check ran in it).
 */
export function quickCheckReport(
  replicas: Array<{ logFile: string }>,
  names: string[],
  phases: Phases,
  results: ProbeResult[][],
): string[] {
  const out: string[] = [];
  const quickChecks = (i: number, from: number, to: number) =>
    tracesOf(replicas[i].logFile, 'graph', from, to + 60_000)
      .map(t => [t.at - t.runMs, t.at] as const)
      .filter(([start]) => start < to);
  phases.forEach(([phase, from, to], p) => {
    for (const i of replicas.keys()) {
      const runs = quickChecks(i, from, to);
      const { latencies, times } = results[p][i];
      const inside: number[] = [];
      const outside: number[] = [];
      latencies.forEach((l, k) => {
        const [s0, s1] = [times[k] - l, times[k]];
        (runs.some(([r0, r1]) => s0 < r1 && r0 < s1) ? inside : outside).push(
          l,
        );
      });
      const fails = tracesOf(replicas[i].logFile, 'graph', from, to, true);
      out.push(
        `  ${names[i]} ${phase.padEnd(7)}quick checks ${runs.length} (${
          fails.length
        } failed${
          fails.length ? `: ${fails[0].error?.slice(0, 90)}` : ''
        }); probe requests beside one ${inside.length}, p99 ${ms(
          at(sortedOf(inside), 0.99),
        ).trim()}; the others ${outside.length}, p99 ${ms(
          at(sortedOf(outside), 0.99),
        ).trim()}`,
      );
    }
  });
  const [, loadFrom, loadTo] = phases[1];
  for (const i of replicas.keys()) {
    const { latencies, times } = results[1][i];
    if (!times.length) continue;
    const t0 = times[0];
    const windows: number[][] = [];
    times.forEach((t, k) => {
      (windows[Math.floor((t - t0) / 10_000)] ??= []).push(latencies[k]);
    });
    const runs = quickChecks(i, loadFrom, loadTo);
    out.push(
      `  replica ${names[i]} p99 per 10 s: ${[...windows]
        .map((w, k) => {
          const [w0, w1] = [t0 + k * 10_000, t0 + (k + 1) * 10_000];
          const mark = runs.some(([r0, r1]) => w0 < r1 && r0 < w1) ? '*' : '';
          return w ? `${at(sortedOf(w), 0.99).toFixed(0)}${mark}` : '-';
        })
        .join(' ')} ms`,
    );
  }
  return out;
}

/**
 * Which sync of the other replica showed each lag sample (written through replica `from`,
 * answered at `ackEpoch`, seen `lagMs` later): the first that started after the write was
 * answered, or a later one (the trace hook tells when each sync ended and how long it took).
 */
export function syncReport(
  replicas: Array<{ logFile: string }>,
  lags: ReadonlyArray<{ from: number; ackEpoch: number; lagMs: number }>,
  loadFrom: number,
): string[] {
  const syncs = replicas.map(r =>
    tracesOf(r.logFile, 'decisions', loadFrom, Infinity),
  );
  const untilSync: number[] = [];
  const afterSync: number[] = [];
  let later = 0;
  for (const l of lags) {
    const list = syncs[1 - l.from];
    const k = list.findIndex(t => t.at - t.runMs >= l.ackEpoch);
    if (k < 0) continue;
    const seen = l.ackEpoch + l.lagMs;
    untilSync.push(list[k].at - l.ackEpoch);
    if (list[k + 1] && seen > list[k + 1].at) later++;
    else afterSync.push(seen - list[k].at);
  }
  if (!untilSync.length) return [];
  const u = sortedOf(untilSync);
  const d = sortedOf(afterSync);
  return [
    `  write → end of the other's first sync that started after it: median ${secs(
      at(u, 0.5),
    )}, p95 ${secs(at(u, 0.95))}, max ${secs(u[u.length - 1])}`,
    `  seen at that sync: ${afterSync.length} (then seen ${ms(
      at(d, 0.5),
    ).trim()} after it, median); only at a later sync: ${later}`,
  ];
}

/**
 * Waits until the replicas have sent no notification for 5 s (3 min at most), from their
 * request logs: after a start, the graphs that follow the first find findings it did not, and
 * the notifier sends them (one request to the notifications backend each, hundreds in all).
 * Answers the line to print.
 */
export async function notificationsSettled(
  replicas: Array<{ logFile: string }>,
): Promise<string> {
  const sends = () =>
    replicas
      .map(
        r =>
          readFileSync(r.logFile, 'utf8').match(/"url":"\/api\/notifications"/g)
            ?.length ?? 0,
      )
      .reduce((a, b) => a + b, 0);
  const t0 = Date.now();
  let last = sends();
  let quietSince = Date.now();
  while (Date.now() - quietSince < 5_000 && Date.now() - t0 < 180_000) {
    await sleep(1000);
    const now = sends();
    if (now !== last) quietSince = Date.now();
    last = now;
  }
  return `  notifications sent since start: ${last} (waited ${(
    (Date.now() - t0) /
    1000
  ).toFixed(0)} s for them to stop)\n`;
}
