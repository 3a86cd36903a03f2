/* eslint-disable no-console */
// Profiles only the analysis phase of the bench: `tsx scripts/prof-analyze.ts 10000 [out.cpuprofile]`.
import { Session } from 'inspector';
import { writeFileSync } from 'fs';
import { generate } from './bench';
import { parseEntityContract } from '../src/parser';
import { analyze, createAnalyzer } from '../src/engine';

const n = Number(process.argv[2] ?? 10000);
const out = process.argv[3];
const { entities, yaml } = generate(n);
const mem0 = process.memoryUsage().heapUsed;
const contracts = entities.map((e, i) => parseEntityContract(e.ref, [{ file: 'c.yaml', text: yaml[i] }]).contract);
yaml.length = 0;
(global as any).gc?.();
const mem1 = process.memoryUsage().heapUsed;
console.log(`contracts heap ≈ ${Math.round((mem1 - mem0) / 1e6)} MB`);
const session = new Session();
session.connect();
const post = (m: string, p?: object) => new Promise<any>((res, rej) => session.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
(async () => {
  const mode = process.argv[4];
  if (out && mode !== 'upd') { await post('Profiler.enable'); await post('Profiler.start'); }
  let t = performance.now();
  const r = analyze({ entities, contracts });
  console.log(`analyze ${Math.round(performance.now() - t)} ms, findings ${r.findings.length}, edges ${r.graph.edges.length}`);
  (global as any).gc?.();
  console.log(`heap after analyze (result held) ${Math.round((process.memoryUsage().heapUsed - mem1) / 1e6)} MB over contracts`);
  if (mode === 'inc' || mode === 'upd') {
    t = performance.now();
    const a = createAnalyzer({});
    entities.forEach((e, i) => a.upsert(e, contracts[i]));
    a.result();
    console.log(`load ${Math.round(performance.now() - t)} ms`);
    if (out && mode === 'upd') { await post('Profiler.enable'); await post('Profiler.start'); }
    (globalThis as any).TIMING = 1; const times: number[] = [];
    for (let k = 0; k < 40; k++) {
      const i = (k * 7919) % n;
      const c = contracts[i];
      const slower = { ...c, operations: c.operations.map(o => ({ ...o, current: o.current.map(l => ({ ...l, ms: l.ms * 50 })) })) };
      t = performance.now(); a.upsert(entities[i], slower); a.result(); times.push(performance.now() - t);
      t = performance.now(); a.upsert(entities[i], c); a.result(); times.push(performance.now() - t);
    }
    times.sort((x, y) => x - y);
    console.log(`update median ${times[times.length >> 1].toFixed(2)} max ${times[times.length - 1].toFixed(2)} ms`);
  }
  if (out) { const { profile } = await post('Profiler.stop'); writeFileSync(out, JSON.stringify(profile)); }
})();
