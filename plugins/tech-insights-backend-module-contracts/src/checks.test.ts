import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { contractsChecks } from './checks';
import { createContractsFactRetriever } from './contractsFactRetriever';

const ROOT = path.resolve(__dirname, '../../..');

/** The `techInsights` of a YAML text. */
function techInsightsOf(text: string) {
  return parse(text).techInsights;
}

describe('contractsChecks', () => {
  it('is what the README tells adopters to configure', async () => {
    const readme = await fs.readFile(
      path.join(__dirname, '../README.md'),
      'utf8',
    );
    const block = /```yaml\n# app-config\.yaml\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const config = techInsightsOf(block![1]);
    expect(config.factChecker.checks).toEqual(contractsChecks);
    expect(Object.keys(config.factRetrievers)).toEqual([
      'contractsFactRetriever',
    ]);
  });

  it('is what the example app runs', async () => {
    const config = techInsightsOf(
      await fs.readFile(path.join(ROOT, 'app-config.yaml'), 'utf8'),
    );
    expect(config.factChecker.checks).toEqual(contractsChecks);
    expect(config.factRetrievers.contractsFactRetriever.cadence).toEqual(
      expect.any(String),
    );
  });

  it('reads only facts in the retriever’s schema', () => {
    const facts = Object.keys(createContractsFactRetriever().schema);
    for (const check of Object.values(contractsChecks)) {
      for (const condition of check.rule.conditions.all) {
        expect(facts).toContain(condition.fact);
      }
    }
  });
});
