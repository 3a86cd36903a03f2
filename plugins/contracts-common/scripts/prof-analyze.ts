/*
 * The analysis phase of the bench alone, on the contracts a `yarn bench <n> --cache` run
 * saved: `node --max-old-space-size=4096 [--cpu-prof] --import tsx scripts/prof-analyze.ts
 * 100000 [runs]`. Prints wall and CPU time per run (CPU time is steadier on a busy machine).
 */
/* eslint-disable no-console */
import { readFileSync } from 'fs';
import { generate } from './bench';
import { analyze } from '../src/engine';

const n = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 1);
const { entities } = generate(n);
const contracts = JSON.parse(
  readFileSync(`/tmp/contracts-bench-${n}.json`, 'utf8'),
);
for (let run = 0; run < runs; run++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = analyze({ entities, contracts });
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `analyse ${Math.round(performance.now() - t0)} ms (cpu ${Math.round(
      (cpu.user + cpu.system) / 1000,
    )} ms), ${r.findings.length} findings, rss ${Math.round(
      process.memoryUsage().rss / 1e6,
    )} MB`,
  );
}
