import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLES, run, tmpDir, writeTree } from '../__testUtils__/testing';
import { loadCatalogFiles } from './files';
import { FilePrefetcher } from './prefetch';

const FORCE = { CONTRACTS_CLI_READER: 'force' };

/** A catalog of services in folders, each with a contract folder, plus a file at the top. */
function catalog(count: number): string {
  const files: Record<string, string> = {
    // broken YAML: the worker's fast path rejects it, the main thread reports where it breaks
    'broken.yaml':
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: [oops\n',
    'org.yaml':
      'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team }\nspec: { type: team, children: [] }\n',
  };
  for (let i = 0; i < count; i++) {
    files[
      `svc-${i}/catalog-info.yaml`
    ] = `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\n  annotations:\n    contracts.io/ref: dir:./contracts\nspec:\n  type: service\n  owner: team\n`;
    files[`svc-${i}/contracts/contract.yaml`] = `service: svc-${i}\n${
      i
        ? `depends_on:\n  - service: svc-${
            i - 1
          }\n    operation: handle\n    latency_budget:\n      acceptable: p95 < 100ms\n`
        : ''
    }provides:\n  - operation: handle\n    latency:\n      current: p95=${
      (i + 1) * 30
    }ms\n`;
  }
  return writeTree(tmpDir('contracts-prefetch-'), files);
}

/** A prefetcher whose worker has read everything it will. */
async function finishedPrefetcher(paths: string[], cwd: string) {
  const prefetcher = FilePrefetcher.start({ paths, cwd, env: FORCE })!;
  expect(prefetcher).toBeDefined();
  await prefetcher.finished();
  return prefetcher;
}

describe('reading catalog files ahead in a worker', () => {
  it('loads what the main thread alone loads, from what the worker read', async () => {
    for (const dir of [EXAMPLES, catalog(12)]) {
      const alone = loadCatalogFiles(['.'], { cwd: dir });
      const prefetcher = await finishedPrefetcher(['.'], dir);
      const ahead = loadCatalogFiles(['.'], { cwd: dir, prefetcher });
      prefetcher.close();
      expect(prefetcher.taken).toBeGreaterThan(alone.entries.length);
      expect(prefetcher.documentsTaken).toBeGreaterThan(0);
      expect(ahead).toEqual(alone);
    }
  }, 60_000);

  it('reports what it could not read as the main thread does', async () => {
    const dir = catalog(3);
    fs.symlinkSync(
      path.join(dir, 'missing.yaml'),
      path.join(dir, 'svc-1', 'broken.yaml'),
    );
    const prefetcher = await finishedPrefetcher(['.'], dir);
    expect(() => loadCatalogFiles(['.'], { cwd: dir, prefetcher })).toThrow(
      'cannot read svc-1/broken.yaml: no such file or directory',
    );
    prefetcher.close();
    const missing = await finishedPrefetcher(['nowhere'], dir);
    expect(() =>
      loadCatalogFiles(['nowhere'], { cwd: dir, prefetcher: missing }),
    ).toThrow('cannot read nowhere: no such file or directory');
    missing.close();
  }, 60_000);

  it('gives the same report through the CLI, whenever the worker delivers', async () => {
    const dir = catalog(40);
    const args = ['check', dir, '--format', 'json', '--fail-on', 'never'];
    const alone = await run(args, { env: { CONTRACTS_CLI_READER: '0' } });
    const ahead = await run(args, { env: FORCE });
    expect(ahead.stderr).toBe('');
    expect(JSON.parse(ahead.stdout)).toEqual(JSON.parse(alone.stdout));
    expect(JSON.parse(alone.stdout).summary.entities).toBe(41);
    expect(JSON.parse(alone.stdout).problems).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/broken\.yaml$/),
        line: 4,
        message: expect.stringMatching(/^not valid YAML/),
      }),
    ]);
  }, 60_000);

  it('is not used when turned off, nor from the TypeScript sources by default', () => {
    const options = { paths: ['.'], cwd: EXAMPLES };
    expect(
      FilePrefetcher.start({ ...options, env: { CONTRACTS_CLI_READER: '0' } }),
    ).toBeUndefined();
    expect(FilePrefetcher.start({ ...options, env: {} })).toBeUndefined();
  });
});
