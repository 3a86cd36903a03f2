/*
 * Starts the portal the way `npm start` does (scripts/run.sh start) on its own SQLite folder,
 * waits until it serves, and stops it (the whole process group) afterwards.
 */
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BASE_URL = 'http://localhost:7007';
export const ARTIFACTS = path.join(ROOT, 'test/artifacts');

/** The rules of the essay's four discoveries, all found once the example catalog is in. */
const ESSAY_RULES = [
  'latency-budget',
  'data-freshness',
  'idempotency-key',
  'access-policy',
];

export interface Portal {
  stop(): Promise<void>;
  log(): string;
  dataDir: string;
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  log: () => string,
  gone: () => boolean,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) {
      throw new Error(`the portal exited; its log:\n${log().slice(-4000)}`);
    }
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(
    `timed out waiting for ${what}; portal log:\n${log().slice(-4000)}`,
  );
}

// jest sets NODE_ENV=test, which the app build and the backend must not see
function withoutJestEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_ENV: _nodeEnv, JEST_WORKER_ID: _worker, ...rest } = env;
  return rest;
}

/** Starts `scripts/run.sh start` with a fresh SQLite folder; resolves once the catalog has the examples. */
export async function startPortal(
  opts: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<Portal> {
  const dataDir =
    opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-e2e-'));
  let output = '';
  const child: ChildProcess = spawn('bash', ['scripts/run.sh', 'start'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...withoutJestEnv(process.env),
      APP_CONFIG_backend_database_connection_directory: dataDir,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const log = () => output;
  const stop = async () => {
    if (exited) return;
    const done = new Promise(r => child.on('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await done;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      async () => {
        const token = await guestToken();
        const res = await fetch(
          `${BASE_URL}/api/catalog/entities/by-name/component/default/checkout`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        return res.ok;
      },
      240_000,
      'the portal to serve the example catalog',
      log,
      () => exited,
    );
    // The contracts graph follows the catalog as it ingests the example entities: a page opened
    // before it has them all shows that moment (an unresolved `risk`, say) until it is reloaded.
    await waitFor(
      async () => {
        const token = await guestToken();
        const res = await fetch(
          `${BASE_URL}/api/contracts/findings?limit=200`,
          {
            headers: { Authorization: `Bearer ${token}` },
          },
        );
        if (!res.ok) return false;
        const rules = new Set(
          ((await res.json()).items as Array<{ rule: string }>).map(
            f => f.rule,
          ),
        );
        return ESSAY_RULES.every(rule => rules.has(rule));
      },
      120_000,
      "the contracts graph to hold the essay's four discoveries",
      log,
      () => exited,
    );
  } catch (error) {
    // a portal that did not come up in time is stopped: left running, it would hold the
    // port (and the CPU) for the next test
    await stop();
    throw error;
  }
  return { dataDir, log, stop };
}

/**
 * The environment that makes the portal's guest sign-in a given catalog user (the portal signs
 * everyone in as `user:default/guest`, a member of support-team, by default): restart the portal
 * on the same data folder with it to act as a member of another team.
 */
export function signInAs(userEntityRef: string): Record<string, string> {
  return { APP_CONFIG_auth_providers_guest_userEntityRef: userEntityRef };
}

/** A Backstage token for the guest user, as the portal's sign-in page gets it. */
export async function guestToken(): Promise<string> {
  const res = await fetch(`${BASE_URL}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (!res.ok) throw new Error(`guest sign-in failed: ${res.status}`);
  const body = await res.json();
  return body.backstageIdentity.token;
}
