import * as fs from 'fs';
import { ARTICLE } from './__fixtures__/article';
import { parseEntityContract } from './parseEntityContract';

const CONTRACT_HEADER = /^# \S+\/contracts\/\S+\.ya?ml\s*$/;
const OUTPUT_HEADER = /^(ERROR|WARNING|INFO):/;

interface Block {
  kind: 'contract' | 'output';
  header: string;
  line: number;
  text: string;
}

/**
 * The essay has no fences: a contract block starts at its `# <service>/contracts/<file>.yaml`
 * comment and runs to the next blank line or the next contract header (the essay writes two
 * blocks back to back). A checker-output block starts at `ERROR:` and runs to the next blank
 * line; it is output, not a contract.
 */
function extractBlocks(article: string): Block[] {
  const lines = article.split(/\r?\n/);
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    let kind: Block['kind'] | undefined;
    if (CONTRACT_HEADER.test(lines[i])) kind = 'contract';
    else if (OUTPUT_HEADER.test(lines[i])) kind = 'output';
    if (!kind) continue;
    const start = i;
    const body = [lines[i]];
    while (
      i + 1 < lines.length &&
      lines[i + 1].trim() !== '' &&
      !CONTRACT_HEADER.test(lines[i + 1])
    ) {
      body.push(lines[++i]);
    }
    blocks.push({
      kind,
      header: lines[start],
      line: start + 1,
      text: `${body.join('\n')}\n`,
    });
  }
  return blocks;
}

describe('the essay', () => {
  const article = fs.readFileSync(ARTICLE, 'utf8');
  const blocks = extractBlocks(article);
  const contracts = blocks.filter(block => block.kind === 'contract');
  const outputs = blocks.filter(block => block.kind === 'output');

  it('has its eight contract blocks and four checker outputs', () => {
    expect(contracts.map(block => block.header.slice(2))).toEqual([
      'checkout-service/contracts/dependencies.yaml',
      'risk-service/contracts/sla.yaml',
      'risk-service/contracts/data.yaml',
      'orders-service/contracts/data.yaml',
      'checkout-service/contracts/retry.yaml',
      'risk-service/contracts/idempotency.yaml',
      'support-service/contracts/data-needs.yaml',
      'risk-service/contracts/data-exposure.yaml',
    ]);
    expect(outputs.map(block => block.header)).toEqual([
      'ERROR: Latency contract violation',
      'ERROR: Data freshness violation',
      'ERROR: Idempotency contract violation',
      'ERROR: Data access policy conflict',
    ]);
  });

  it.each(contracts.map(block => [block.header.slice(2), block] as const))(
    'parses %s as written, with no problem',
    (file, block) => {
      const service = /^service: (\S+)$/m.exec(block.text)![1];
      const { contract, problems } = parseEntityContract(
        `component:default/${service}`,
        [{ file, text: block.text }],
      );
      expect(problems).toEqual([]);
      const items = [
        contract.dependsOn,
        contract.operations,
        contract.datasets,
        contract.endpoints,
        contract.dataDependencies,
        contract.retryPolicies,
        contract.idempotency,
        contract.requires,
      ].flat();
      expect(items.length).toBeGreaterThan(0);
    },
  );

  it('gives, merged per service, the contracts the essay describes', () => {
    const byService = new Map<string, Array<{ file: string; text: string }>>();
    for (const block of contracts) {
      const service = /^service: (\S+)$/m.exec(block.text)![1];
      byService.set(service, [
        ...(byService.get(service) ?? []),
        { file: block.header.slice(2), text: block.text },
      ]);
    }
    const parsed = Object.fromEntries(
      [...byService].map(([service, sources]) => [
        service,
        parseEntityContract(`component:default/${service}`, sources),
      ]),
    );
    for (const { problems } of Object.values(parsed))
      expect(problems).toEqual([]);
    const { checkout, risk, orders, support } = Object.fromEntries(
      Object.entries(parsed).map(([service, result]) => [
        service,
        result.contract,
      ]),
    );
    expect(checkout.dependsOn[0]).toMatchObject({
      ref: 'component:default/risk',
      operation: 'scoreTransaction',
      timeoutMs: 500,
      fallback: 'allow_with_monitoring',
      retry: { raw: 'none', maxAttempts: 1 },
    });
    expect(
      checkout.dependsOn[0].budget.map(b => [b.level, b.percentile, b.ms]),
    ).toEqual([
      ['target', 50, 100],
      ['acceptable', 95, 200],
      ['maximum', 99, 500],
    ]);
    expect(checkout.retryPolicies[0]).toMatchObject({
      ref: 'component:default/risk',
      operation: 'scoreTransaction',
      newRequestIdOnTimeout: true,
      reason: 'separate_attempts_in_logs',
    });
    expect(risk.sources).toHaveLength(4);
    expect(risk.operations[0]).toMatchObject({
      name: 'scoreTransaction',
      current: [
        { percentile: 50, ms: 2800 },
        { percentile: 95, ms: 3200 },
      ],
      target: [
        { percentile: 50, ms: 80 },
        { percentile: 95, ms: 150 },
      ],
      targetNote: 'requires caching',
    });
    expect(risk.dataDependencies[0]).toMatchObject({
      ref: 'component:default/orders-db',
      dataset: 'user_purchases',
      freshnessRequiredMs: 10_000,
    });
    expect(risk.idempotency[0]).toMatchObject({
      idempotencyKey: 'transaction_id',
      expects: 'stable_across_retries',
      windowMs: 300_000,
    });
    expect(
      risk.endpoints.map(e => [e.path, e.returns, e.access, e.pii]),
    ).toEqual([
      ['/fraud-score', 'aggregate_only', undefined, 'minimal'],
      ['/fraud-signals-detailed', 'full_breakdown', 'risk_team_only', 'high'],
    ]);
    expect(orders.datasets[0].freshness).toEqual({
      raw: '15-30s typical, 60s max',
      typicalMinMs: 15_000,
      typicalMaxMs: 30_000,
      maxMs: 60_000,
    });
    expect(support.requires[0]).toMatchObject({
      ref: 'component:default/risk',
      data: 'fraud_decision_breakdown',
      accessLevel: 'support_tier_2',
    });
  });

  it('does not take the checker output for a contract', () => {
    for (const block of outputs) {
      const { contract, problems } = parseEntityContract(
        'component:default/checkout',
        [{ file: 'output.txt', text: block.text }],
      );
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.every(problem => problem.line !== undefined)).toBe(true);
      expect(contract.dependsOn).toEqual([]);
    }
  });
});
