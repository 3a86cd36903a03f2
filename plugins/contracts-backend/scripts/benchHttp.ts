/*
 * The HTTP load client of the benchmarks (bench-load.ts, bench-scale.ts): autocannon on loopback,
 * keep-alive, in a worker thread of this process, every response's latency kept (exact
 * percentiles).
 */
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HEADERS } from './benchBackend';

/**
 * The load generator runs in a worker thread: on its own event loop, so its CPU does not queue
 * in front of the measurement. Latencies are collected per response and the percentiles computed
 * exactly (autocannon's summary has no p95).
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
const { url, headers, connections, duration, amount, n } = workerData;
let i = 0;
const latencies = [];
const instance = autocannon({
  url, connections, headers, ...(amount ? { amount } : { duration }),
  requests: [{ setupRequest: req => ({ ...req, path: req.path.replace('svc-N', 'svc-' + (i++ % n)) }) }],
}, (err, result) => {
  if (err) throw err;
  parentPort.postMessage({ latencies: Float64Array.from(latencies),
    seconds: (result.finish - result.start) / 1000, non2xx: result.non2xx, errors: result.errors });
});
instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
`;

/** The median of `xs` (the mean of the middle two when their number is even). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface RunResult {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  non2xx: number;
  errors: number;
  load: number[];
}

/** Load on one URL (`svc-N` in it replaced round robin by svc-0 … svc-(n-1)) from a worker thread. */
export async function runLoad(options: {
  url: string;
  token: string;
  connections: number;
  /** Seconds; ignored when `amount` is given. */
  duration: number;
  /** A number of requests instead of a duration. */
  amount?: number;
  n: number;
}): Promise<RunResult> {
  const { url, token, connections, duration, amount, n } = options;
  const worker = new Worker(CLIENT, {
    eval: true,
    workerData: {
      autocannon: require.resolve('autocannon'),
      url,
      headers: { ...HEADERS, authorization: `Bearer ${token}` },
      connections,
      duration,
      amount,
      n,
    },
  });
  const out: any = await new Promise((res, rej) => {
    worker.once('message', res);
    worker.once('error', rej);
  });
  await worker.terminate();
  const sorted = (out.latencies as Float64Array).sort();
  const at = (q: number) =>
    sorted.length
      ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
      : NaN;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    rps: sorted.length / out.seconds,
    non2xx: out.non2xx,
    errors: out.errors,
    load: loadavg(),
  };
}
