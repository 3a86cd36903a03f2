/*
 * What the benchmarks share: the portal's real backend (packages/backend) started in a process
 * of its own as `yarn start` starts it, a generated catalog for it, the guest's sign-in, and
 * stopping it. Used by bench-load.ts (one backend, SQLite in memory) and bench-decisions.ts (two
 * replicas on one PostgreSQL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');
export const BACKEND = join(ROOT, 'packages/backend');
/** The headers a browser's fetch sends (besides Authorization). */
export const HEADERS = {
  accept: 'application/json',
  'accept-encoding': 'gzip, deflate, br',
};

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The value after `--name` on the command line, if any. */
export function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** `--name`'s value as a positive number (a whole one with `whole`), else `fallback`. */
export function positiveArg(
  name: string,
  fallback: number,
  { whole = false } = {},
): number {
  const v = Number(argOf(name) ?? fallback);
  if (whole ? !Number.isInteger(v) || v <= 0 : !Number.isFinite(v) || v <= 0)
    throw new Error(
      `--${name} needs a positive ${whole ? 'whole ' : ''}number`,
    );
  return v;
}

/**
 * A catalog of `n` components svc-0 … svc-(n-1), each with an inline contract calling the next
 * one (svc-(n-1) calls svc-0) under a latency budget that the callee's latency misses for part
 * of them (latency-budget findings), owned by group:default/team-0 … team-49.
 */
export function generateYaml(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    const callee = `svc-${(i + 1) % n}`;
    docs.push(
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        `  name: svc-${i}`,
        '  annotations:',
        '    contracts.io/spec: |',
        `      service: svc-${i}`,
        '      provides:',
        '        - operation: op',
        `          latency: { current: "p50=${20 + (i % 50)}ms, p95=${
          100 + (i % 300)
        }ms" }`,
        '      depends_on:',
        `        - service: ${callee}`,
        '          operation: op',
        `          latency_budget: { acceptable: p95 < ${150 + (i % 200)}ms }`,
        'spec:',
        '  type: service',
        '  lifecycle: production',
        `  owner: group:default/team-${i % 50}`,
      ].join('\n'),
    );
  }
  return `${docs.join('\n---\n')}\n`;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` merged into `base`, as Backstage merges config files: objects key by key, the rest replaced. */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  }
  return out;
}

export interface BackendOptions {
  /** Where its overlay config is written. */
  dir: string;
  port: number;
  /** Its stdout and stderr (the backend writes them there itself). */
  logFile: string;
  /** A catalog file (e.g. of generateYaml), registered beside the example organisation. */
  catalogFile: string;
  /** The overlay's file name in `dir`. Default app-config.bench.yaml. */
  overlayName?: string;
  /**
   * Merged over the overlay: which otherwise only changes where it listens, puts SQLite in
   * memory, processes each entity once a day and adds `catalogFile`.
   */
  config?: Json;
  /** Preloads scripts/bench-profile-hook.cjs: SIGUSR2 starts and stops a CPU profile to this file. */
  profileFile?: string;
  /** More modules to preload (`node --require`). */
  preload?: string[];
  /** An IPC channel to the backend (`child.send`, `child.on('message')`), for a preloaded hook. */
  ipc?: boolean;
  /** More environment variables for the backend. */
  env?: Record<string, string>;
}

/** A running backend process. */
export interface Backend {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  logFile: string;
  readonly exited: boolean;
  /** SIGTERM, then up to 10 s for it to stop. */
  stop(): Promise<void>;
  /** The guest's user token, as the portal's sign-in page gets it (waits until it serves). */
  signIn(): Promise<string>;
}

/**
 * Starts packages/backend as scripts/run.sh does (node with Backstage's node transform,
 * NODE_ENV=production), on app-config.yaml and an overlay; its output to a file. It never
 * outlives this process: killed (SIGKILL) at this process's exit if it still runs.
 */
export function startBackend(options: BackendOptions): Backend {
  const { dir, port, logFile, catalogFile, profileFile } = options;
  const overlay = join(dir, options.overlayName ?? 'app-config.bench.yaml');
  writeFileSync(
    overlay,
    JSON.stringify(
      merge(
        {
          app: { baseUrl: `http://localhost:${port}` },
          backend: {
            baseUrl: `http://localhost:${port}`,
            listen: { port, host: '127.0.0.1' },
            database: { client: 'better-sqlite3', connection: ':memory:' },
          },
          catalog: {
            processingInterval: { hours: 24 },
            locations: [
              { type: 'file', target: join(ROOT, 'examples/all.yaml') },
              { type: 'file', target: catalogFile },
            ],
          },
        },
        options.config ?? {},
      ),
    ),
  );
  // the backend writes its log to the file itself (nothing relays it through this process)
  const log = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      ...(profileFile
        ? ['--require', join(__dirname, 'bench-profile-hook.cjs')]
        : []),
      ...(options.preload ?? []).flatMap(m => ['--require', m]),
      'src/index.ts',
      '--config',
      join(ROOT, 'app-config.yaml'),
      '--config',
      overlay,
    ],
    {
      cwd: BACKEND,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ESBK_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'),
        ...(profileFile ? { BENCH_PROFILE_FILE: profileFile } : {}),
        ...options.env,
      },
      stdio: options.ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
    },
  );
  closeSync(log);
  let exited = false;
  child.on('exit', code => {
    exited = true;
    if (code)
      process.stderr.write(`backend exited (${code}); its log: ${logFile}\n`);
  });
  process.on('exit', () => {
    if (!exited) child.kill('SIGKILL');
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    base,
    logFile,
    get exited() {
      return exited;
    },
    async stop() {
      if (exited) return;
      const gone = new Promise(r => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(10_000)]);
    },
    async signIn() {
      const started = Date.now();
      for (;;) {
        if (exited) throw new Error(`the backend exited; see ${logFile}`);
        if (Date.now() - started > 5 * 60_000)
          throw new Error('the backend never served');
        try {
          const res = await fetch(`${base}/api/auth/guest/refresh`, {
            method: 'POST',
            headers: { 'X-Requested-With': 'XMLHttpRequest' },
          });
          if (res.ok)
            return ((await res.json()) as any).backstageIdentity.token;
        } catch {
          // not listening yet
        }
        await sleep(1000);
      }
    },
  };
}

/**
 * Waits until the catalog has processed the `n` generated entities and the contracts graph has
 * them (svc-(n-1)'s entity answers); prints progress every 5 s.
 */
export async function waitForGraph(
  backend: Backend,
  token: string,
  n: number,
  started: number,
  label = '',
): Promise<void> {
  const headers = { ...HEADERS, authorization: `Bearer ${token}` };
  for (;;) {
    if (backend.exited)
      throw new Error(`the backend exited; see ${backend.logFile}`);
    const res = await fetch(`${backend.base}/api/contracts/findings?limit=1`, {
      headers,
    });
    const body: any = res.ok ? await res.json() : {};
    const last = await fetch(
      `${backend.base}/api/contracts/entities/component/default/svc-${n - 1}`,
      { headers },
    );
    if (body.summary?.entities >= n && last.ok) return;
    if (Date.now() - started > 30 * 60_000)
      throw new Error('the catalog never finished');
    process.stdout.write(
      `  waiting${label}: ${
        body.summary?.entities ?? 0
      }/${n} entities in the graph (${Math.round(
        (Date.now() - started) / 1000,
      )}s)\n`,
    );
    await sleep(5000);
  }
}

/** The PostgreSQL the benchmarks use (user postgres, no password). */
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
/** pg, as packages/backend depends on it (the backends' own driver). */
const pg = createRequire(join(BACKEND, 'package.json'))('pg');

export async function withPg<T>(fn: (client: any) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...PG, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops the databases `<kind>_<pid>_*` of this process (`mine`), or (`stale`) of earlier runs of
 * the same kind whose process is gone. `kind` is a prefix of lowercase letters and underscores,
 * such as `contracts_bench`.
 */
export async function dropDatabases(
  kind: string,
  which: 'mine' | 'stale',
): Promise<string[]> {
  if (!/^[a-z_]+$/.test(kind)) throw new Error(`bad database kind ${kind}`);
  const mine = `${kind}_${process.pid}_`;
  return withPg(async client => {
    const { rows } = await client.query(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${kind.replace(/_/g, '\\_')}\\_%`],
    );
    const dropped: string[] = [];
    for (const { datname } of rows as Array<{ datname: string }>) {
      const match = new RegExp(`^${kind}_(\\d+)_`).exec(datname);
      const pid = Number(match?.[1]);
      if (!pid) continue;
      let drop = datname.startsWith(mine);
      if (which === 'stale') {
        drop = false;
        if (pid !== process.pid) {
          try {
            process.kill(pid, 0);
          } catch (e: any) {
            drop = e?.code === 'ESRCH';
          }
        }
      }
      if (!drop) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

/** CPU seconds (user + system) a process has used, from /proc; undefined elsewhere. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime: fields 14 and 15 of stat (12 and 13 after the command)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
