import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLES, run, tmpDir } from './__testUtils__/testing';

const BIN = path.resolve(__dirname, '../bin/contracts');

/** A catalog of `n` consumers whose latency budgets their one provider misses. */
function missedBudgets(n: number): string {
  const dir = tmpDir('contracts-bin-');
  const component = (name: string, contract: string) =>
    `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n  annotations:\n    contracts.io/spec: |\n${contract
      .split('\n')
      .map(l => `      ${l}`)
      .join(
        '\n',
      )}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n`;
  const docs = [
    component(
      'provider',
      'service: provider\nprovides:\n  - operation: handle\n    latency:\n      current: p50=100ms, p95=500ms, p99=900ms',
    ),
  ];
  for (let i = 0; i < n; i++) {
    docs.push(
      component(
        `consumer-${i}`,
        `service: consumer-${i}\ndepends_on:\n  - service: provider\n    operation: handle\n    latency_budget:\n      acceptable: p95 < ${
          10 + i
        }ms`,
      ),
    );
  }
  fs.writeFileSync(path.join(dir, 'catalog-info.yaml'), docs.join('---\n'));
  return dir;
}

describe('the contracts bin', () => {
  const contracts = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });

  it('exits 1 on the example catalog, 0 with --fail-on never, 2 on a bad path', () => {
    const failing = contracts('check', EXAMPLES);
    expect(failing.stderr).toBe('');
    expect(failing.stdout).toContain('ERROR: Latency contract violation');
    expect(failing.status).toBe(1);
    expect(
      contracts('check', EXAMPLES, '--fail-on', 'never', '--format', 'json')
        .status,
    ).toBe(0);
    const bad = contracts('check', 'no-such-dir');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'contracts: cannot read no-such-dir: no such file or directory\n',
    );
  });

  it('exits only once all its output is written, to a pipe read late', async () => {
    const dir = missedBudgets(1_000);
    const child = spawn(
      process.execPath,
      [BIN, 'check', dir, '--format', 'json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pause();
    // megabytes of report against a pipe of 64 KB: the bin waits for this reader
    await new Promise(resolve => setTimeout(resolve, 500));
    const chunks: Buffer[] = [];
    child.stdout.on('data', chunk => chunks.push(chunk));
    child.stdout.resume();
    const code = await new Promise(resolve => child.on('close', resolve));
    const out = Buffer.concat(chunks);
    expect(out.length).toBeGreaterThan(1 << 20);
    expect(out.toString('utf8')).toBe(
      (await run(['check', dir, '--format', 'json'])).stdout,
    );
    expect(code).toBe(1);
  }, 60_000);
});
