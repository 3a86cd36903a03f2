import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { SarifLog } from '@backstage-contracts/plugin-contracts-common';
import { copyExamples, EXAMPLES, edit, run } from './__testUtils__/testing';

/**
 * The official SARIF 2.1.0 schema (draft-04), as shipped on the npm registry by Microsoft's
 * `@microsoft/jest-sarif`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('contracts check --format sarif', () => {
  const validate = validator();

  it('is valid SARIF 2.1.0 with the four discoveries, at their contract lines', async () => {
    const repo = path.resolve(EXAMPLES, '..');
    const { code, stdout } = await run(['check', 'examples', '--format', 'sarif'], {
      cwd: repo,
    });
    expect(code).toBe(1);
    const log = JSON.parse(stdout) as SarifLog;
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const run0 = log.runs[0];
    const ids = run0.tool.driver.rules.map(r => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'latency-budget',
        'data-freshness',
        'idempotency-key',
        'access-policy',
      ]),
    );
    const latency = run0.results.find(r => r.ruleId === 'latency-budget')!;
    expect(latency.level).toBe('error');
    expect(ids[latency.ruleIndex]).toBe('latency-budget');
    expect(latency.locations[0].physicalLocation).toEqual({
      artifactLocation: {
        uri: 'examples/checkout/contracts/dependencies.yaml',
        uriBaseId: '%SRCROOT%',
      },
      region: { startLine: 8, startColumn: 19 },
    });
    expect(latency.locations[0].logicalLocations?.[0].fullyQualifiedName).toBe(
      'component:default/checkout',
    );
    expect(latency.relatedLocations?.[0]).toMatchObject({
      physicalLocation: {
        artifactLocation: { uri: 'examples/risk/catalog-info.yaml' },
        region: { startLine: 1 },
      },
      logicalLocations: [{ fullyQualifiedName: 'component:default/risk' }],
    });
    expect(run0.results.find(r => r.ruleId === 'access-policy')?.level).toBe('warning');
    for (const r of run0.results) {
      expect(r.level).toBeDefined();
      expect(r.locations[0].physicalLocation?.artifactLocation.uri).toBeDefined();
    }
  });

  it('is valid with contract problems and accepted findings', async () => {
    const copy = copyExamples();
    edit(
      path.join(copy, 'risk/contracts/sla.yaml'),
      'current: p50=2800ms, p95=3200ms',
      'current: p50=fast, p95=3200ms',
    );
    const { stdout } = await run(['check', copy, '--format', 'sarif'], {
      cwd: path.dirname(copy),
    });
    const log = JSON.parse(stdout) as SarifLog;
    validate(log);
    expect(validate.errors ?? []).toEqual([]);
    const problem = log.runs[0].results.find(r => r.ruleId === 'contract-problem')!;
    expect(problem.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: 'examples/risk/contracts/sla.yaml' },
      region: { startLine: 6 },
    });
  });

  it('rejects what the schema rejects (the validator is live)', () => {
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false);
  });
});
