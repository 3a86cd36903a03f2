import type { Entity } from '@backstage/catalog-model';
import {
  DISCOVER_REPORT_KIND,
  isDiscoverReport,
  parseDiscoverReports,
} from './discoverReport';
import {
  contractSourcesFromAnnotation,
  resolvedContractsOf,
} from './annotation';

const CHECKOUT = 'component:default/checkout';
const FILE = 'contracts/discovered.json';

const timeout = {
  kind: 'timeout',
  file: 'src/riskClient.ts',
  line: 37,
  column: 17,
  written: 'AbortSignal.timeout(RISK_TIMEOUT_MS)',
  language: 'typescript',
  ms: 500,
  resolved: 'constant RISK_TIMEOUT_MS (src/riskClient.ts:12)',
  target: 'risk',
};
const retry = {
  kind: 'retry',
  file: 'src/riskClient.ts',
  line: 30,
  column: 3,
  written: 'for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++)',
  language: 'typescript',
  attempts: 2,
  counts: 'all-tries',
  target: 'risk',
};

/** A report as `contracts discover --format json` writes it (two-space indent). */
function report(fields: Record<string, unknown> = {}): string {
  return `${JSON.stringify(
    {
      kind: DISCOVER_REPORT_KIND,
      version: 1,
      service: 'checkout',
      root: '.',
      facts: [timeout, retry],
      draft: 'service: checkout\n',
      ...fields,
    },
    null,
    2,
  )}\n`;
}

describe('parseDiscoverReports', () => {
  it('reads the facts of a report, as written', () => {
    const { facts, problems } = parseDiscoverReports(CHECKOUT, [
      { file: FILE, text: report() },
    ]);
    expect(problems).toEqual([]);
    expect(facts).toEqual([timeout, retry]);
  });

  it('accepts the service as a full ref, and the facts of several reports', () => {
    const { facts, problems } = parseDiscoverReports(CHECKOUT, [
      { file: FILE, text: report({ service: CHECKOUT, facts: [retry] }) },
      { file: 'contracts/config.json', text: report({ facts: [timeout] }) },
    ]);
    expect(problems).toEqual([]);
    expect(facts).toEqual([retry, timeout]);
  });

  it('locates a JSON syntax error and gives no facts', () => {
    const text = report().replace('"ms": 500,', '"ms": 500,,');
    const { facts, problems } = parseDiscoverReports(CHECKOUT, [
      { file: FILE, text },
    ]);
    expect(facts).toEqual([]);
    expect(problems.length).toBeGreaterThan(0);
    const line = text.split('\n').findIndex(l => l.includes('500,,')) + 1;
    expect(problems[0]).toMatchObject({
      entity: CHECKOUT,
      file: FILE,
      line,
      message: expect.stringMatching(/^JSON: /),
    });
  });

  it('leaves out a fact that is not one, with its place, and keeps its siblings', () => {
    const text = report({
      facts: [timeout, { ...retry, line: 0, counts: 'sometimes' }, 'x'],
    });
    const { facts, problems } = parseDiscoverReports(CHECKOUT, [
      { file: FILE, text },
    ]);
    expect(facts).toEqual([timeout]);
    const lines = text.split('\n');
    expect(problems).toEqual([
      {
        entity: CHECKOUT,
        file: FILE,
        line: lines.findIndex(l => l.includes('"line": 0')) + 1,
        column: 15,
        path: 'facts[1].line',
        message:
          '`line` must be a whole number from 1, got `0`: the fact is left out',
      },
      {
        entity: CHECKOUT,
        file: FILE,
        line: lines.findIndex(l => l.includes('"sometimes"')) + 1,
        column: 17,
        path: 'facts[1].counts',
        message:
          '`counts` must be all-tries or retries, got `sometimes`: the fact is left out',
      },
      expect.objectContaining({
        path: 'facts[2]',
        message: 'a fact must be an object, got `x`',
      }),
    ]);
  });

  it.each([
    [
      'another kind',
      report({ kind: 'sarif' }),
      'kind',
      /^not a discover report: expected `"kind": "contracts-discover-report"`/,
    ],
    [
      'a newer version',
      report({ version: 2 }),
      'version',
      /^the discover report is version 2; this reader knows version 1/,
    ],
    [
      'another service',
      report({ service: 'payment' }),
      'service',
      /^the discover report is of service `payment`, not of component:default\/checkout/,
    ],
    [
      'facts that are no list',
      report({ facts: { timeout } }),
      'facts',
      /^the discover report's `facts` must be a list, got a mapping/,
    ],
  ])('refuses %s, at its place in the header', (_, text, key, message) => {
    const { facts, problems } = parseDiscoverReports(CHECKOUT, [
      { file: FILE, text },
    ]);
    expect(facts).toEqual([]);
    expect(problems).toEqual([
      {
        entity: CHECKOUT,
        file: FILE,
        line: text.split('\n').findIndex(l => l.includes(`"${key}":`)) + 1,
        column: expect.any(Number),
        path: key,
        message: expect.stringMatching(message),
      },
    ]);
  });

  it('says an empty report or one that is no object is not a report', () => {
    for (const text of ['', '  \n', '[1, 2]', 'service: checkout\n']) {
      const { facts, problems } = parseDiscoverReports(CHECKOUT, [
        { file: FILE, text },
      ]);
      expect(facts).toEqual([]);
      expect(problems).toEqual([
        expect.objectContaining({ file: FILE, line: 1, column: 1, path: '' }),
      ]);
    }
  });

  it('never throws, whatever it is given', () => {
    expect(
      parseDiscoverReports(CHECKOUT, [
        null as any,
        { file: FILE, text: 42 as any },
      ]).facts,
    ).toEqual([]);
    expect(parseDiscoverReports(CHECKOUT, 'x' as any)).toEqual({
      facts: [],
      problems: [],
    });
  });
});

describe('isDiscoverReport', () => {
  it('knows a report by its name or by its header, and nothing else', () => {
    expect(isDiscoverReport('contracts/discovered.json', '{,')).toBe(true);
    expect(isDiscoverReport('contracts/code.json', report())).toBe(true);
    expect(
      isDiscoverReport('contracts/openapi.json', '{"openapi":"3.1.0"}'),
    ).toBe(false);
    expect(isDiscoverReport('contracts/discovered.yaml', report())).toBe(false);
  });
});

describe('the contracts annotations and a discover report', () => {
  const entity = (annotations: Record<string, string>): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout', annotations },
  });

  it('contracts.io/discovered is a location; a plain path is a file: one', () => {
    expect(
      contractSourcesFromAnnotation(
        entity({ 'contracts.io/discovered': 'build/discovered.json' }),
      ),
    ).toEqual({ discovered: 'file:build/discovered.json', problems: [] });
    expect(
      contractSourcesFromAnnotation(
        entity({ 'contracts.io/discovered': 'url:https://x.test/d.json' }),
      ).discovered,
    ).toBe('url:https://x.test/d.json');
  });

  it('reads the reports the catalog module resolved beside the contract texts', () => {
    const sources = [{ file: 'contracts/a.yaml', text: 'service: checkout\n' }];
    const discovered = [{ file: FILE, text: report() }];
    expect(
      resolvedContractsOf(
        entity({
          'contracts.io/resolved': JSON.stringify({ sources, discovered }),
        }),
      ),
    ).toEqual({ sources, discovered, discoveredErrors: [] });
    expect(
      resolvedContractsOf(
        entity({
          'contracts.io/resolved': JSON.stringify({
            sources,
            discoveredErrors: ['could not read the discover report at …'],
          }),
        }),
      ),
    ).toEqual({
      sources,
      discovered: [],
      discoveredErrors: ['could not read the discover report at …'],
    });
    expect(resolvedContractsOf(entity({}))).toBeUndefined();
    for (const raw of ['{', '{"sources":[1]}', '{"discovered":{}}'])
      expect(
        resolvedContractsOf(entity({ 'contracts.io/resolved': raw })),
      ).toEqual({ error: expect.stringContaining('contracts.io/resolved') });
  });
});
