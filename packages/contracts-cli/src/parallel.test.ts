import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEntityContract } from '@backstage-contracts/plugin-contracts-common';
import type { CatalogEntry } from './catalog/types';
import { ParallelParser } from './parallel';
import { EXAMPLES, run, tmpDir } from './__testUtils__/testing';

const FORCE = { CONTRACTS_CLI_WORKERS: 'force' };

/** A catalog of `count` services, each calling the one before it. */
function catalog(count: number): string {
  const dir = tmpDir('contracts-parallel-');
  for (let i = 0; i < count; i++) {
    const svc = `svc-${i}`;
    fs.mkdirSync(path.join(dir, svc, 'contracts'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, svc, 'catalog-info.yaml'),
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${svc}\n  annotations:\n    contracts.io/ref: dir:./contracts\nspec:\n  type: service\n  owner: team\n`,
    );
    const contract = [
      `service: ${svc}`,
      'provides:',
      '  - operation: handle',
      '    latency:',
      `      current: p95=${(i + 1) * 10}ms`,
      ...(i
        ? [
            'depends_on:',
            `  - service: svc-${i - 1}`,
            '    operation: handle',
            '    latency_budget:',
            `      acceptable: p95 < ${i * 10 + (i % 3 ? 50 : -5)}ms`,
            // every seventh contract has a problem: it takes the full path
            `    timeout: ${i % 7 ? `${i * 40}ms` : 'soon'}`,
          ]
        : []),
    ];
    fs.writeFileSync(
      path.join(dir, svc, 'contracts', 'contract.yaml'),
      `${contract.join('\n')}\n`,
    );
  }
  return dir;
}

describe('parsing in a worker thread', () => {
  it('reports what parsing on the main thread reports', async () => {
    for (const dir of [EXAMPLES, catalog(40)]) {
      const args = ['check', dir, '--format', 'json', '--fail-on', 'never'];
      const alone = await run(args, { env: { CONTRACTS_CLI_WORKERS: '0' } });
      const parallel = await run(args, { env: FORCE });
      expect(parallel.stderr).toBe('');
      expect(parallel.code).toBe(0);
      expect(JSON.parse(parallel.stdout)).toEqual(JSON.parse(alone.stdout));
    }
    const dir = catalog(40);
    const { stdout } = await run(['check', dir, '--format', 'json'], {
      env: FORCE,
    });
    expect(JSON.parse(stdout).problems).toHaveLength(5);
  }, 60_000);

  /** Entries with a small contract each. */
  function entries(count: number): CatalogEntry[] {
    return Array.from({ length: count }, (_, i) => ({
      ref: `component:default/svc-${i}`,
      entity: {} as CatalogEntry['entity'],
      origin: 'file',
      sources: [
        {
          file: 'contracts/contract.yaml',
          text: `service: svc-${i}\ndepends_on:\n  - service: svc-${
            i + 1
          }\n    timeout: ${i}00ms\n`,
        },
      ],
      sourcePaths: new Map(),
      problems: [],
    }));
  }

  it('has the worker parse a share of the entries', async () => {
    const list = entries(30);
    const parser = ParallelParser.create({ env: FORCE })!;
    list.forEach(entry => parser.add(entry));
    const parsed = await parser.finish();
    expect(parser.fromWorker).toBeGreaterThan(0);
    expect(list.map(entry => parsed.get(entry))).toEqual(
      list.map(entry => parseEntityContract(entry.ref, entry.sources)),
    );
  }, 60_000);

  it('parses on the main thread what a stopped worker did not return', async () => {
    const list = entries(5);
    const parser = ParallelParser.create({ env: FORCE })!;
    list.forEach(entry => parser.add(entry));
    await parser.close();
    const parsed = await parser.finish();
    expect(parser.fromWorker).toBe(0);
    expect(list.map(entry => parsed.get(entry))).toEqual(
      list.map(entry => parseEntityContract(entry.ref, entry.sources)),
    );
  }, 60_000);

  it('is not used when turned off, nor by default', () => {
    expect(
      ParallelParser.create({ env: { CONTRACTS_CLI_WORKERS: '0' } }),
    ).toBeUndefined();
    expect(ParallelParser.create({ env: {} })).toBeUndefined();
  });
});
