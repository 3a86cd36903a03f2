/*
 * Summarises a CPU profile (`yarn bench --profile FILE`): self time by package and by function,
 * and inclusive time by function (each function counted once per stack).
 *
 *   yarn bench:summary FILE [--top 40]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: yarn bench:summary FILE [--top 40]\n');
  process.exit(2);
}
const topArg = process.argv.indexOf('--top');
const TOP = topArg > 0 ? Number(process.argv[topArg + 1]) : 40;

const profile: Profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map(n => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes)
  for (const c of n.children ?? []) parent.set(c, n.id);

/** The package of a script: its node_modules package, a workspace, or a Node module. */
function packageOf(url: string): string {
  if (!url) return '(native)';
  const dep = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return 'node';
  const workspace = url.match(/\/(plugins|packages)\/([^/]+)\//);
  return workspace ? `workspace:${workspace[2]}` : url;
}
const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${packageOf(n.callFrame.url)}`;

const selfTime = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
  total += dt;
});

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
const inclusive = new Map<string, number>();
const add = (m: Map<string, number>, k: string, v: number) =>
  m.set(k, (m.get(k) ?? 0) + v);
for (const [id, t] of selfTime) {
  const n = byId.get(id)!;
  add(byPackage, packageOf(n.callFrame.url), t);
  add(byFunction, `${label(n)}:${n.callFrame.lineNumber + 1}`, t);
  const seen = new Set<string>();
  for (
    let cur: number | undefined = id;
    cur !== undefined;
    cur = parent.get(cur)
  ) {
    const k = label(byId.get(cur)!);
    if (!seen.has(k)) {
      seen.add(k);
      add(inclusive, k, t);
    }
  }
}

const print = (title: string, m: Map<string, number>, top: number) => {
  process.stdout.write(`--- ${title}\n`);
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((100 * t) / total).toFixed(1).padStart(6)}%  ${k}\n`,
    );
  }
};
process.stdout.write(`${(total / 1e6).toFixed(1)} s profiled\n`);
print('self time by package', byPackage, 25);
print('self time by function', byFunction, TOP);
print('inclusive time by function', inclusive, TOP * 2);
