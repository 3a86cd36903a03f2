/*
 * The floor of the event-loop targets on this machine: the max delay of an idle main thread
 * (`perf_hooks.monitorEventLoopDelay`, and a 5 ms timer's largest gap) while N other threads of
 * the same process burn CPU and allocate, as the analysis worker does during a recompute. What
 * a worker design cannot go under here: the main thread waits for a core.
 *
 *   yarn bench:loop-floor [--threads 0,1,2,3] [--seconds 20]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const BUSY = `
const { workerData } = require('node:worker_threads');
let keep = [];
const end = Date.now() + workerData * 1000;
while (Date.now() < end) {
  const o = [];
  for (let i = 0; i < 1000; i++) o.push({ a: i, b: 'x' + i, c: [i, i + 1] });
  keep.push(o);
  if (keep.length > 2000) keep = [];
}
`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function run(threads: number, seconds: number) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let gap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  const workers = Array.from(
    { length: threads },
    () => new Worker(BUSY, { eval: true, workerData: seconds }),
  );
  await new Promise(resolve => setTimeout(resolve, seconds * 1000));
  h.disable();
  clearInterval(timer);
  await Promise.all(workers.map(w => w.terminate()));
  console.log(
    `${threads} busy thread(s), ${seconds} s: max ${(h.max / 1e6).toFixed(1)} ms, ` +
      `p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, the 5 ms timer's largest gap ${gap.toFixed(1)} ms`,
  );
}

async function main() {
  const seconds = Number(arg('seconds', '20'));
  for (const n of arg('threads', '0,1,2,3').split(',').map(Number)) {
    await run(n, seconds);
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
