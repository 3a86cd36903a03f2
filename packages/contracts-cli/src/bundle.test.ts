import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleCli, inputsFile } from './bundle';
import { EXAMPLES, run, tmpDir } from './__testUtils__/testing';

const BIN = path.resolve(__dirname, '../bin/contracts');

describe('the bundled CLI', () => {
  // a copy of bin/contracts beside a bundle of its own, and no sources to fall back on
  const dir = tmpDir('contracts-bundle-');
  const bin = path.join(dir, 'bin', 'contracts');
  const bundle = path.join(dir, 'dist', 'contracts.cjs');
  const contracts = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });

  beforeAll(async () => {
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    fs.mkdirSync(path.dirname(bundle), { recursive: true });
    fs.copyFileSync(BIN, bin);
    fs.copyFileSync(
      path.join(path.dirname(BIN), 'fresh-bundle.js'),
      path.join(path.dirname(bin), 'fresh-bundle.js'),
    );
    await bundleCli(bundle);
  }, 60_000);

  it('reports what the sources report', async () => {
    const args = ['check', EXAMPLES, '--format', 'json', '--fail-on', 'never'];
    const bundled = contracts(...args);
    expect(bundled.stderr).toBe('');
    expect(bundled.status).toBe(0);
    const sources = await run(args);
    expect(JSON.parse(bundled.stdout)).toEqual(JSON.parse(sources.stdout));
    const text = contracts('check', EXAMPLES);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('ERROR: Latency contract violation');
  });

  it('is not run once a file it was built from changed', () => {
    expect(contracts('--version').status).toBe(0);
    const list = JSON.parse(fs.readFileSync(inputsFile(bundle), 'utf8'));
    list.inputs[0][2] -= 1000; // as if the first input had been edited since
    fs.writeFileSync(inputsFile(bundle), JSON.stringify(list));
    // the bin falls back to the sources, which this copy does not have
    const stale = contracts('--version');
    expect(stale.status).not.toBe(0);
    expect(stale.stderr).toContain("Cannot find module '../src/index.ts'");
  });
});
