/* A test helper, not a test: it wraps `describe` so that a missing Prometheus fails loudly. */
/* eslint-disable jest/no-export, jest/valid-title, jest/valid-describe-callback, jest/no-disabled-tests, jest/expect-expect */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/** test/support/prometheus-fixture.mjs: a real Prometheus scraping a service with known latencies. */
export const FIXTURE = path.resolve(
  __dirname,
  '../../../../../test/support/prometheus-fixture.mjs',
);

/**
 * What the fixture serves: per job (`service.name`), route → p95 in seconds, route → requests
 * answered 500 per 100 (`errors`), and gauges.
 */
export interface FixtureSpec {
  jobs: Record<
    string,
    {
      routes?: Record<string, number>;
      errors?: Record<string, number>;
      gauges?: Record<string, number>;
    }
  >;
}

export interface RunningFixture {
  prometheus: string;
  prometheusPid: number;
  /** Stops Prometheus alone (the service goes on): "Prometheus down mid-run". */
  killPrometheus(): Promise<void>;
  stop(): Promise<void>;
}

/** The Prometheus binary, or undefined when none is installed. */
export function prometheusBinary(): string | undefined {
  for (const bin of [process.env.PROMETHEUS_BIN, 'prometheus'].filter(
    Boolean,
  ) as string[]) {
    if (spawnSync(bin, ['--version']).status === 0) return bin;
  }
  return undefined;
}

/**
 * Tests that need a real Prometheus: `describe` when one is installed; otherwise one failing
 * test that says so (never a silent pass), or — with CONTRACTS_PROMETHEUS_TESTS=skip — skipped
 * with a warning in the output.
 */
export function describeWithPrometheus(name: string, fn: () => void) {
  if (prometheusBinary()) {
    describe(name, fn);
    return;
  }
  const message = `${name}: NO PROMETHEUS INSTALLED — these tests run a real Prometheus (Debian's \`prometheus\` package: apt-get install prometheus; or set PROMETHEUS_BIN). .ci/run installs it.`;
  if (process.env.CONTRACTS_PROMETHEUS_TESTS === 'skip') {
    // eslint-disable-next-line no-console
    console.warn(`SKIPPED: ${message}`);
    describe.skip(name, fn);
    return;
  }
  describe(name, () => {
    it('runs against a real Prometheus', () => {
      throw new Error(message);
    });
  });
}

/** Starts the fixture; resolves when Prometheus has scraped every job a few times. */
export async function startPrometheusFixture(
  spec: FixtureSpec,
): Promise<RunningFixture> {
  const child: ChildProcess = spawn(
    process.execPath,
    [FIXTURE, JSON.stringify(spec)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', d => {
    err += d;
  });
  const info = await new Promise<{ prometheus: string; prometheusPid: number }>(
    (resolve, reject) => {
      let out = '';
      child.stdout!.on('data', d => {
        out += d;
        const line = out.split('\n')[0];
        if (out.includes('\n')) {
          try {
            resolve(JSON.parse(line));
          } catch (e) {
            reject(e);
          }
        }
      });
      child.once('exit', code =>
        reject(new Error(`prometheus fixture exited (${code}): ${err}`)),
      );
    },
  );
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  return {
    ...info,
    async killPrometheus() {
      try {
        process.kill(info.prometheusPid, 'SIGKILL');
      } catch {
        // already gone
      }
      // until its port is closed
      for (let i = 0; i < 50; i++) {
        try {
          await fetch(`${info.prometheus}/-/ready`);
        } catch {
          return;
        }
        await new Promise(r => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
