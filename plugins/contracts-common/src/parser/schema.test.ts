import * as fs from 'fs';
import * as path from 'path';
import { ARTICLE } from './__fixtures__/article';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import { contractDocumentSchema } from './schema';

const SCHEMA_FILE = path.resolve(
  __dirname,
  '../../schema/contract.schema.json',
);

/** Every form of the grammar, valid: what an editor with the schema must accept. */
const ALL_FORMS = `# yaml-language-server: $schema=../schema/contract.schema.json
service: risk
depends_on:
  - service: resource:default/feature-store
    operation: lookup
    latency_budget:
      target: p50 < 100ms
      acceptable: p95 <= 0.2s, p99 < 1.5s
      maximum: { p99.9: 5m }
      p95: 200 ms
    timeout: 1h
    fallback: block
    retry: 3
provides:
  - operation: scoreTransaction
    latency:
      current: p50=2800ms, p95 = 3200ms
      target: { p50: 80ms }
  - dataset: risk_scores
    via: event_stream
    freshness: ~2s, 15s max (stream lag)
    derived_from: [{ source: orders, dataset: user_purchases }]
  - dataset: other
    freshness: { typical: 15-30s, max: 60s }
  - dataset: third
    freshness: <60s
  - endpoint: /fraud-score
    returns: aggregate_only
    data: fraud_score
    pii: minimal
    access: any
data_dependencies:
  - source: orders-db
    dataset: user_purchases
    freshness_required: <= 10s
retry_policies:
  - target: risk.scoreTransaction
    on_timeout: { generates_new_request_id: false, reason: r }
    max_attempts: 2
    backoff: exponential
operations:
  - { name: scoreTransaction, idempotency_key: transaction_id, expects: stable_across_retries, window: 5m }
requires:
  - { from: risk, data: fraud_decision_breakdown, access_level: support_tier_2, use_case: dispute_resolution }
`;

describe('contractDocumentSchema', () => {
  it('is published, identical, as schema/contract.schema.json', () => {
    const expected = `${JSON.stringify(contractDocumentSchema, null, 2)}\n`;
    if (process.env.UPDATE_CONTRACT_SCHEMA)
      fs.writeFileSync(SCHEMA_FILE, expected);
    // Out of date? Run the tests once with UPDATE_CONTRACT_SCHEMA=1.
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(expected);
  });

  const editor = new Ajv({ allErrors: true, strict: false }).compile(
    contractDocumentSchema,
  );

  it('lets an editor accept every grammar form and every essay block, patterns included', () => {
    expect(editor(parseDocument(ALL_FORMS).toJS())).toBe(true);
    const article = fs.readFileSync(ARTICLE, 'utf8');
    const blocks = article.split(/\n(?=# \S+\/contracts\/)/).slice(1);
    expect(blocks).toHaveLength(8);
    for (const block of blocks) {
      const text = block.split(/\n\s*\n/)[0];
      expect({
        text,
        valid: editor(parseDocument(text).toJS()),
        errors: editor.errors,
      }).toEqual({
        text,
        valid: true,
        errors: null,
      });
    }
  });

  it.each([
    ['timeout: fast', '/depends_on/0/timeout'],
    ['timeout: 500', '/depends_on/0/timeout'],
    [
      'latency_budget: { acceptable: p95 = 200ms }',
      '/depends_on/0/latency_budget/acceptable',
    ],
    ['retry: sometimes', '/depends_on/0/retry'],
    ['latncy_budget: {}', '/depends_on/0'],
  ])('lets an editor flag `%s`', (line, instancePath) => {
    const doc = parseDocument(
      `depends_on:\n  - service: risk\n    ${line}\n`,
    ).toJS();
    expect(editor(doc)).toBe(false);
    expect(editor.errors!.map(error => error.instancePath)).toContain(
      instancePath,
    );
  });
});
