import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { EXAMPLES } from './__testUtils__/testing';

const BIN = path.resolve(__dirname, '../bin/contracts');

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
    expect(contracts('check', EXAMPLES, '--fail-on', 'never', '--format', 'json').status).toBe(0);
    const bad = contracts('check', 'no-such-dir');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('contracts: cannot read no-such-dir: no such file or directory\n');
  });
});
