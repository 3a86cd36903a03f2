import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import {
  parseDiscoverReports,
  resolvedContractsOf,
} from '@backstage-contracts/plugin-contracts-common';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContractsProcessor } from './ContractsProcessor';

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

const REPORT = JSON.stringify(
  {
    kind: 'contracts-discover-report',
    version: 1,
    service: 'checkout',
    root: '.',
    facts: [fact],
  },
  null,
  2,
);

function checkout(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', namespace: 'default', annotations },
    spec: { type: 'service', owner: 'group:default/checkout-team' },
  };
}

/** Runs the processor on checkout in a folder holding the given files. */
async function processed(
  files: Record<string, string>,
  annotations: Record<string, string> = {
    'contracts.io/ref': 'dir:./contracts',
  },
) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'contracts-module-'));
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  const processor = new ContractsProcessor({
    reader: mockServices.urlReader.mock(),
    logger: mockServices.logger.mock(),
  });
  const results: CatalogProcessorResult[] = [];
  const entity = await processor.preProcessEntity(
    checkout(annotations),
    { type: 'file', target: path.join(dir, 'catalog-info.yaml') },
    r => results.push(r),
  );
  const errors = results.map(r =>
    r.type === 'error' ? r.error.message : `not an error: ${r.type}`,
  );
  return { entity, errors };
}

describe('ContractsProcessor and the discover report', () => {
  it('attaches contracts/discovered.json beside the contract texts', async () => {
    const { entity, errors } = await processed({
      'contracts/dependencies.yaml': CONTRACT,
      'contracts/discovered.json': REPORT,
    });
    expect(errors).toEqual([]);
    const resolved = resolvedContractsOf(entity);
    expect(resolved).toEqual({
      sources: [{ file: 'contracts/dependencies.yaml', text: CONTRACT }],
      discovered: [{ file: 'contracts/discovered.json', text: REPORT }],
      discoveredErrors: [],
    });
    expect(
      parseDiscoverReports(CHECKOUT, (resolved as any).discovered).facts,
    ).toEqual([fact]);
  });

  it('attaches a malformed report as it is, for the backend to locate its problems; the entity stays in the catalog', async () => {
    const broken = REPORT.replace('"line": 37', '"line": "37"');
    const { entity, errors } = await processed({
      'contracts/dependencies.yaml': CONTRACT,
      'contracts/discovered.json': broken,
    });
    // a processing error would keep checkout out of the catalog, its whole contract with it
    expect(errors).toEqual([]);
    const resolved = resolvedContractsOf(entity);
    expect(resolved).toEqual({
      sources: [{ file: 'contracts/dependencies.yaml', text: CONTRACT }],
      discovered: [{ file: 'contracts/discovered.json', text: broken }],
      discoveredErrors: [],
    });
    const line = broken.split('\n').findIndex(l => l.includes('"37"')) + 1;
    expect(
      parseDiscoverReports(CHECKOUT, (resolved as any).discovered).problems,
    ).toEqual([
      expect.objectContaining({
        file: 'contracts/discovered.json',
        line,
        column: 15,
        path: 'facts[0].line',
      }),
    ]);
  });

  it('attaches no report when there is none (the annotation as before)', async () => {
    const { entity, errors } = await processed({
      'contracts/dependencies.yaml': CONTRACT,
    });
    expect(errors).toEqual([]);
    expect(entity.metadata.annotations?.['contracts.io/resolved']).toBe(
      JSON.stringify({
        sources: [{ file: 'contracts/dependencies.yaml', text: CONTRACT }],
      }),
    );
  });

  it('reads the report contracts.io/discovered names, also without a contract', async () => {
    const { entity, errors } = await processed(
      { 'build/facts.json': REPORT },
      { 'contracts.io/discovered': './build/facts.json' },
    );
    expect(errors).toEqual([]);
    expect(resolvedContractsOf(entity)).toEqual({
      sources: [],
      discovered: [{ file: 'build/facts.json', text: REPORT }],
      discoveredErrors: [],
    });
  });

  it('says when the named report cannot be read, and keeps the contract', async () => {
    const { entity, errors } = await processed(
      { 'contracts/dependencies.yaml': CONTRACT },
      {
        'contracts.io/ref': 'dir:./contracts',
        'contracts.io/discovered': 'file:./build/facts.json',
      },
    );
    expect(errors).toEqual([]);
    expect(resolvedContractsOf(entity)).toEqual({
      sources: [{ file: 'contracts/dependencies.yaml', text: CONTRACT }],
      discovered: [],
      discoveredErrors: [
        expect.stringMatching(
          /^could not read the discover report at `file:\.\/build\/facts\.json`/,
        ),
      ],
    });
  });
});
