/*
 * How long the graph's full recompute holds the event loop: the largest delay a timer sees while
 * the service reads a generated catalog and rebuilds the graph, beside the recompute's duration.
 *
 *   yarn bench:recompute [--entities 10000] [--runs 3]
 *
 * The service is the plugin's own ContractsGraphService with the default rules, reading a layered
 * catalog of N components with inline contracts (src/__testUtils__/generatedCatalog.ts) from a
 * catalog that answers each page (500 entities) after a turn of the event loop and at no cost of
 * its own, as over I/O (src/__testUtils__/pagedCatalog.ts): what is measured is the plugin's. Each run
 * is a full recompute (`refreshAll`): the first loads an empty service, the later ones rebuild
 * beside a live graph, as the scheduled task does. During each, a 1 ms interval timer notes how
 * long the loop took to come round to it: the largest gap is the longest a request would have
 * waited behind the recompute. (perf_hooks' monitorEventLoopDelay is not used: on Node 22 its max
 * missed a 2.5 s synchronous stretch that this timer saw.)
 */
/* eslint-disable no-console */
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import { loadavg } from 'node:os';
import { serviceAuth, silentLogger } from './benchStubs';
import { generatedEntities } from '../src/__testUtils__/generatedCatalog';
import { pagedCatalog } from '../src/__testUtils__/pagedCatalog';
import { ContractsGraphService } from '../src/services/ContractsGraphService';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('entities', 10000);
const RUNS = arg('runs', 3);

/** Gaps between the ticks of a 1 ms interval timer, until `stop()`. */
function probeEventLoop() {
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      gaps.push(performance.now() - last);
      gaps.sort((a, b) => a - b);
      return {
        max: gaps[gaps.length - 1],
        p99: gaps[Math.floor(gaps.length * 0.99)],
      };
    },
  };
}

const logger = silentLogger;
const auth = serviceAuth;

async function main() {
  const entities = generatedEntities(N);
  const service = new ContractsGraphService({
    catalog: pagedCatalog(entities),
    auth,
    logger,
    engineConfig: {},
    rules: defaultRules,
  });
  console.log(
    `full recompute of ${N} generated entities, ${RUNS} runs; load average ${loadavg()
      .map(x => x.toFixed(2))
      .join(' / ')}`,
  );
  console.log(
    '| run | recompute | event loop max delay | p99 of the timer gaps | findings |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (let run = 1; run <= RUNS; run++) {
    const probe = probeEventLoop();
    const started = performance.now();
    await service.refreshAll();
    const duration = performance.now() - started;
    const gaps = probe.stop();
    const snapshot = service.snapshot();
    const ms = (t: number) => `${t.toFixed(1)} ms`;
    console.log(
      `| ${run === 1 ? '1 (first load)' : run} | ${Math.round(
        duration,
      )} ms | ${ms(gaps.max)} | ${ms(gaps.p99)} | ${
        snapshot.items.findings.length
      } |`,
    );
    if (snapshot.problems.length) {
      throw new Error(`contract problems: ${snapshot.problems[0].message}`);
    }
  }
  await service.close();
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
