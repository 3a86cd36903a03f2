import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDiscoverReports } from '@backstage-contracts/plugin-contracts-common';
import { loadContractSources, loadDiscoverReport } from './loader';

const CHECKOUT = 'component:default/checkout';
const CONTRACT =
  'service: checkout\ndepends_on:\n  - service: risk\n    timeout: 500ms\n';

const fact = {
  kind: 'timeout',
  file: 'src/riskClient.ts',
  line: 37,
  column: 17,
  written: 'AbortSignal.timeout(RISK_TIMEOUT_MS)',
  language: 'typescript',
  ms: 5000,
  target: 'risk',
};

function report(fields: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      kind: 'contracts-discover-report',
      version: 1,
      service: 'checkout',
      root: '.',
      facts: [fact],
      ...fields,
    },
    null,
    2,
  );
}

/** A service folder: catalog-info.yaml and the given files, relative to it. */
async function service(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'contracts-node-'));
  await fs.writeFile(path.join(dir, 'catalog-info.yaml'), 'kind: Component\n');
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

const at = (dir: string) => ({
  type: 'file',
  target: path.join(dir, 'catalog-info.yaml'),
});

describe('loadContractSources and the discover report beside the contracts', () => {
  it('returns contracts/discovered.json as a report, and its facts read as written', async () => {
    const dir = await service({
      'contracts/dependencies.yaml': CONTRACT,
      'contracts/discovered.json': report(),
    });
    const loaded = await loadContractSources({
      ref: 'dir:./contracts',
      location: at(dir),
    });
    expect(loaded.errors).toEqual([]);
    expect(loaded.sources).toEqual([
      { file: 'contracts/dependencies.yaml', text: CONTRACT },
    ]);
    expect(loaded.reports).toEqual([
      { file: 'contracts/discovered.json', text: report() },
    ]);
    expect(parseDiscoverReports(CHECKOUT, loaded.reports)).toEqual({
      facts: [fact],
      problems: [],
    });
  });

  it('knows a report of another name by its header, and leaves other JSON alone', async () => {
    const dir = await service({
      'contracts/dependencies.yaml': CONTRACT,
      'contracts/code-facts.json': report(),
      'contracts/openapi.json': '{"openapi": "3.1.0"}',
    });
    const loaded = await loadContractSources({
      ref: 'dir:./contracts',
      location: at(dir),
    });
    expect(loaded.reports.map(r => r.file)).toEqual([
      'contracts/code-facts.json',
    ]);
    expect(loaded.sources.map(r => r.file)).toEqual([
      'contracts/dependencies.yaml',
    ]);
  });

  it('returns a malformed report as it is: parsing it gives a located problem, the contract stays', async () => {
    const broken = report().replace('"ms": 5000,', '"ms": 5000');
    const dir = await service({
      'contracts/dependencies.yaml': CONTRACT,
      'contracts/discovered.json': broken,
    });
    const loaded = await loadContractSources({
      ref: 'dir:./contracts',
      location: at(dir),
    });
    expect(loaded.errors).toEqual([]);
    expect(loaded.sources).toHaveLength(1);
    const { facts, problems } = parseDiscoverReports(CHECKOUT, loaded.reports);
    expect(facts).toEqual([]);
    expect(problems[0]).toMatchObject({
      file: 'contracts/discovered.json',
      line: broken.split('\n').findIndex(l => l.includes('"ms": 5000')) + 1,
      message: expect.stringMatching(/^JSON: /),
    });
  });

  it('returns no report when there is none', async () => {
    const dir = await service({ 'contracts/dependencies.yaml': CONTRACT });
    const loaded = await loadContractSources({
      ref: 'dir:./contracts',
      location: at(dir),
    });
    expect(loaded).toEqual({
      sources: [{ file: 'contracts/dependencies.yaml', text: CONTRACT }],
      reports: [],
      errors: [],
    });
    // a file: ref reads that file only
    const one = await loadContractSources({
      ref: 'file:./contracts/dependencies.yaml',
      location: at(dir),
    });
    expect(one.reports).toEqual([]);
  });
});

describe('loadDiscoverReport (contracts.io/discovered)', () => {
  it('reads the report the annotation names, whatever its name', async () => {
    const dir = await service({ 'build/facts.json': report() });
    expect(
      await loadDiscoverReport({
        ref: 'file:./build/facts.json',
        location: at(dir),
      }),
    ).toEqual({
      sources: [],
      reports: [{ file: 'build/facts.json', text: report() }],
      errors: [],
    });
  });

  it('says which report it could not read, and never throws', async () => {
    const dir = await service({});
    const missing = await loadDiscoverReport({
      ref: 'file:./build/facts.json',
      location: at(dir),
    });
    expect(missing.reports).toEqual([]);
    expect(missing.errors).toEqual([
      expect.stringMatching(
        /^could not read the discover report at `file:\.\/build\/facts\.json` \(relative to file:.*catalog-info\.yaml\): ENOENT/,
      ),
    ]);
    const folder = await loadDiscoverReport({
      ref: 'dir:./build',
      location: at(dir),
    });
    expect(folder.errors).toEqual([
      'contracts.io/discovered must be file:<path>, url:<url> or a path, got `dir:./build`',
    ]);
  });
});

describe('loadContractSources on a URL location', () => {
  /** A URL reader over a folder of texts, as an SCM integration serves one. */
  function reader(files: Record<string, string>) {
    return {
      readUrl: jest.fn(async (url: string) => {
        const name = Object.keys(files).find(f => url.endsWith(`/${f}`));
        if (!name) throw new Error(`${url} not found`);
        return { buffer: async () => Buffer.from(files[name]) };
      }),
      readTree: jest.fn(
        async (_url: string, opts?: { filter?: (p: string) => boolean }) => ({
          files: async () =>
            Object.keys(files)
              .map(f => f.replace(/^contracts\//, ''))
              .filter(p => opts?.filter?.(p) ?? true)
              .map(p => ({
                path: p,
                content: async () => Buffer.from(files[`contracts/${p}`]),
              })),
        }),
      ),
      search: jest.fn(),
    } as any;
  }

  it('reads the report beside the contracts in the repository', async () => {
    const loaded = await loadContractSources({
      ref: 'dir:./contracts',
      location: {
        type: 'url',
        target:
          'https://github.com/acme/shop/blob/main/checkout/catalog-info.yaml',
      },
      reader: reader({
        'contracts/dependencies.yaml': CONTRACT,
        'contracts/discovered.json': report(),
        'contracts/openapi.json': '{"openapi": "3.1.0"}',
      }),
    });
    expect(loaded).toEqual({
      sources: [{ file: 'contracts/dependencies.yaml', text: CONTRACT }],
      reports: [{ file: 'contracts/discovered.json', text: report() }],
      errors: [],
    });
  });

  it('reads the report contracts.io/discovered names by URL', async () => {
    const loaded = await loadDiscoverReport({
      ref: 'url:https://github.com/acme/shop/blob/main/checkout/contracts/discovered.json',
      location: {
        type: 'url',
        target:
          'https://github.com/acme/shop/blob/main/checkout/catalog-info.yaml',
      },
      reader: reader({ 'contracts/discovered.json': report() }),
    });
    expect(loaded.reports.map(r => r.text)).toEqual([report()]);
    expect(loaded.errors).toEqual([]);
  });
});
