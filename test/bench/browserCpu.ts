/*
 * CPU time used by the benchmark's Chromium (every process under this one whose command line
 * names the browser: browser, renderer, GPU/SwiftShader, utility), from /proc. A figure the
 * machine's load barely moves, unlike frame intervals: read it before and after a gesture.
 * Linux only; 0 elsewhere.
 */
import fs from 'node:fs';

const TICK_MS = 10; // USER_HZ = 100 on Linux

function children(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap(t =>
        fs
          .readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8')
          .split(' ')
          .filter(Boolean)
          .map(Number),
      );
  } catch {
    return [];
  }
}

/** CPU milliseconds (user + system) so far of the Chromium processes under this process. */
export function browserCpuMs(): number {
  let ms = 0;
  const todo = children(process.pid);
  while (todo.length) {
    const pid = todo.pop()!;
    todo.push(...children(pid));
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/i.test(cmd)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return ms;
}
