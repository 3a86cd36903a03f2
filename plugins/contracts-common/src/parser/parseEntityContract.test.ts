import type { ContractSource } from '../types';
import { parseEntityContract } from './parseEntityContract';

const CHECKOUT = 'component:default/checkout';
const RISK = 'component:default/risk';

function parse(entity: string, ...texts: string[]) {
  const sources: ContractSource[] = texts.map((text, i) => ({
    file: `contracts/${i}.yaml`,
    text,
  }));
  return parseEntityContract(entity, sources);
}

/** The contract without locations, for compact expectations. */
function shape(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) => (key === 'loc' ? undefined : v)),
  );
}

describe('parseEntityContract', () => {
  it('reads a dependency with its locations', () => {
    const { contract, problems } = parse(
      CHECKOUT,
      `service: checkout
depends_on:
  - service: risk
    operation: scoreTransaction
    latency_budget:
      target: p50 < 100ms
      acceptable: p95 < 200ms
      maximum: p99 < 500ms
    timeout: 500ms
    fallback: allow_with_monitoring
    retry: none
`,
    );
    expect(problems).toEqual([]);
    expect(contract.entityRef).toBe(CHECKOUT);
    expect(contract.sources).toEqual(['contracts/0.yaml']);
    const [dependency] = contract.dependsOn;
    expect(dependency).toEqual({
      service: 'risk',
      ref: RISK,
      operation: 'scoreTransaction',
      budget: [
        {
          level: 'target',
          percentile: 50,
          ms: 100,
          raw: 'p50 < 100ms',
          loc: {
            file: 'contracts/0.yaml',
            line: 6,
            column: 15,
            path: 'depends_on[0].latency_budget.target',
          },
        },
        {
          level: 'acceptable',
          percentile: 95,
          ms: 200,
          raw: 'p95 < 200ms',
          loc: {
            file: 'contracts/0.yaml',
            line: 7,
            column: 19,
            path: 'depends_on[0].latency_budget.acceptable',
          },
        },
        {
          level: 'maximum',
          percentile: 99,
          ms: 500,
          raw: 'p99 < 500ms',
          loc: {
            file: 'contracts/0.yaml',
            line: 8,
            column: 16,
            path: 'depends_on[0].latency_budget.maximum',
          },
        },
      ],
      timeoutMs: 500,
      fallback: 'allow_with_monitoring',
      retry: { raw: 'none', maxAttempts: 1 },
      loc: {
        file: 'contracts/0.yaml',
        line: 3,
        column: 5,
        path: 'depends_on[0]',
      },
    });
  });

  it('reads every section in its structured forms too', () => {
    const { contract, problems } = parse(
      'component:payments/risk',
      `service: risk
depends_on:
  - service: resource:default/feature-store
    latency_budget: { p95: 200ms, acceptable: { p99: 0.5s } }
    timeout: 1.5s
    retry: 3
provides:
  - operation: scoreTransaction
    latency:
      current: { p50: 2800ms, p95: 3.2s }
  - dataset: risk_scores
    via: event_stream
    freshness: { typical: 1-2s, max: 5s }
    derived_from:
      - source: orders
        dataset: user_purchases
  - endpoint: /fraud-signals-detailed
    returns: full_breakdown
    data: fraud_decision_breakdown
    access: risk_team_only
  - endpoint: /fraud-score
    data: [fraud_score, decision]
data_dependencies:
  - source: orders-db
    dataset: user_purchases
    freshness_required: 10s
retry_policies:
  - target: feature-store
    max_attempts: 3
    backoff: exponential
    reason: transient_errors
operations:
  - name: scoreTransaction
    window: 1h
requires:
  - from: component:default/identity
    data: device_fingerprint
`,
    );
    expect(problems).toEqual([]);
    expect(shape(contract)).toEqual({
      entityRef: 'component:payments/risk',
      sources: ['contracts/0.yaml'],
      dependsOn: [
        {
          service: 'resource:default/feature-store',
          ref: 'resource:default/feature-store',
          budget: [
            { level: 'budget', percentile: 95, ms: 200, raw: 'p95 < 200ms' },
            { level: 'acceptable', percentile: 99, ms: 500, raw: 'p99 < 0.5s' },
          ],
          timeoutMs: 1500,
          retry: { raw: '3', maxAttempts: 3 },
        },
      ],
      operations: [
        {
          name: 'scoreTransaction',
          current: [
            { percentile: 50, ms: 2800 },
            { percentile: 95, ms: 3200 },
          ],
          target: [],
          currentRaw: 'p50=2800ms, p95=3.2s',
        },
      ],
      datasets: [
        {
          name: 'risk_scores',
          via: 'event_stream',
          freshness: {
            raw: '1-2s typical, 5s max',
            typicalMinMs: 1000,
            typicalMaxMs: 2000,
            maxMs: 5000,
          },
          derivedFrom: [
            {
              source: 'orders',
              ref: 'component:payments/orders',
              dataset: 'user_purchases',
            },
          ],
        },
      ],
      endpoints: [
        {
          path: '/fraud-signals-detailed',
          returns: 'full_breakdown',
          data: ['fraud_decision_breakdown'],
          access: 'risk_team_only',
        },
        { path: '/fraud-score', data: ['fraud_score', 'decision'] },
      ],
      dataDependencies: [
        {
          source: 'orders-db',
          ref: 'component:payments/orders-db',
          dataset: 'user_purchases',
          freshnessRequiredMs: 10_000,
          freshnessRaw: '10s',
        },
      ],
      retryPolicies: [
        {
          target: 'feature-store',
          ref: 'component:payments/feature-store',
          maxAttempts: 3,
          backoff: 'exponential',
          reason: 'transient_errors',
        },
      ],
      idempotency: [{ name: 'scoreTransaction', windowMs: 3_600_000 }],
      requires: [
        {
          from: 'component:default/identity',
          ref: 'component:default/identity',
          data: 'device_fingerprint',
        },
      ],
    });
  });

  it('survives JSON unchanged', () => {
    const { contract } = parse(
      RISK,
      'provides:\n  - operation: a\n    latency: { current: p50=1ms }\n',
    );
    expect(JSON.parse(JSON.stringify(contract))).toEqual(contract);
  });

  describe('names', () => {
    it('resolve like entity refs, in the namespace of the entity', () => {
      const { contract, problems } = parse(
        'component:shop/checkout',
        'depends_on:\n  - service: risk\n  - service: resource:default/orders-db\n  - service: Component:Default/Payment\n  - service: system:fraud\n',
      );
      expect(problems).toEqual([]);
      expect(contract.dependsOn.map(d => d.ref)).toEqual([
        'component:shop/risk',
        'resource:default/orders-db',
        'component:default/payment',
        'system:shop/fraud',
      ]);
    });

    it('reports a name that is not an entity ref and drops its item', () => {
      const { contract, problems } = parse(
        CHECKOUT,
        'depends_on:\n  - service: risk service\n  - service: a:b:c\n  - service: ok\n  - service: [risk]\n',
      );
      expect(contract.dependsOn.map(d => d.service)).toEqual(['ok']);
      expect(problems.map(p => [p.path, p.line])).toEqual([
        ['depends_on[0].service', 2],
        ['depends_on[1].service', 3],
        ['depends_on[3].service', 5],
      ]);
      expect(problems[0].message).toMatch(
        /`risk service` is not a valid entity name/,
      );
      expect(problems[2].message).toMatch(
        /expected an entity name such as `risk`, got a list/,
      );
    });

    it('requires the leading service to name the entity itself', () => {
      const { contract, problems } = parse(
        RISK,
        'service: orders\noperations:\n  - name: score\n',
      );
      expect(problems).toEqual([
        {
          entity: RISK,
          file: 'contracts/0.yaml',
          line: 1,
          column: 10,
          path: 'service',
          message:
            '`service: orders` names `component:default/orders`, but this contract belongs to `component:default/risk`',
        },
      ]);
      expect(contract.idempotency).toHaveLength(1);
    });

    it('resolves the leading service with the kind of the entity', () => {
      expect(
        parse('resource:default/orders-db', 'service: orders-db\n').problems,
      ).toEqual([]);
      expect(parse(RISK, 'service: component:default/risk\n').problems).toEqual(
        [],
      );
      expect(parse(RISK, 'service: Risk\n').problems).toEqual([]);
    });
  });

  describe('merging', () => {
    it('merges the partial documents of an entity, one concern per file', () => {
      const { contract, problems } = parseEntityContract(RISK, [
        {
          file: 'sla.yaml',
          text: 'service: risk\nprovides:\n  - operation: scoreTransaction\n    latency:\n      current: p50=2800ms, p95=3200ms\n',
        },
        {
          file: 'target.yaml',
          text: 'service: risk\nprovides:\n  - operation: scoreTransaction\n    latency:\n      target: p50=80ms, p95=150ms (requires caching)\n',
        },
        {
          file: 'idempotency.yaml',
          text: 'service: risk\noperations:\n  - name: scoreTransaction\n    window: 5m\n',
        },
        {
          file: 'more.yaml',
          text: 'operations:\n  - name: scoreTransaction\n    idempotency_key: transaction_id\n',
        },
      ]);
      expect(problems).toEqual([]);
      expect(contract.sources).toEqual([
        'sla.yaml',
        'target.yaml',
        'idempotency.yaml',
        'more.yaml',
      ]);
      expect(shape(contract.operations)).toEqual([
        {
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
          currentRaw: 'p50=2800ms, p95=3200ms',
          targetRaw: 'p50=80ms, p95=150ms (requires caching)',
        },
      ]);
      expect(shape(contract.idempotency)).toEqual([
        {
          name: 'scoreTransaction',
          windowMs: 300_000,
          idempotencyKey: 'transaction_id',
        },
      ]);
    });

    it('reports a contradiction where the second statement is, and keeps the first', () => {
      const { contract, problems } = parseEntityContract(RISK, [
        {
          file: 'sla.yaml',
          text: 'provides:\n  - operation: scoreTransaction\n    latency:\n      current: p50=2800ms, p95=3200ms\n',
        },
        {
          file: 'other.yaml',
          text: '# other\nprovides:\n  - operation: scoreTransaction\n    latency:\n      current: p95=100ms\n',
        },
      ]);
      expect(problems).toEqual([
        {
          entity: RISK,
          file: 'other.yaml',
          line: 5,
          column: 16,
          path: 'provides[0].latency.current',
          message:
            'operation `scoreTransaction`: `latency.current` is `p95=100ms` here but `p50=2800ms, p95=3200ms` at sla.yaml:4:16 (`provides[0].latency.current`); the first is kept',
        },
      ]);
      expect(contract.operations[0].current).toEqual([
        { percentile: 50, ms: 2800 },
        { percentile: 95, ms: 3200 },
      ]);
    });

    it('accepts the same statement twice and merges budgets by level and percentile', () => {
      const dependency =
        'depends_on:\n  - service: risk\n    operation: score\n    latency_budget: { acceptable: p95 < 200ms }\n    timeout: 500ms\n';
      const { contract, problems } = parse(
        CHECKOUT,
        dependency,
        dependency,
        'depends_on:\n  - service: risk\n    operation: score\n    latency_budget: { maximum: p99 < 1s, acceptable: p95 < 300ms }\n    timeout: 0.5s\n',
      );
      expect(contract.dependsOn).toHaveLength(1);
      expect(contract.dependsOn[0].budget.map(b => b.raw)).toEqual([
        'p95 < 200ms',
        'p99 < 1s',
      ]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({
        file: 'contracts/2.yaml',
        line: 4,
        path: 'depends_on[0].latency_budget.acceptable',
      });
      expect(problems[0].message).toMatch(
        /`latency_budget` has `acceptable: p95 < 300ms` here but `acceptable: p95 < 200ms` at contracts\/0\.yaml:4/,
      );
    });

    it('detects contradictions inside one document and across YAML documents of a file', () => {
      const { contract, problems } = parse(
        RISK,
        'operations:\n  - name: a\n    window: 5m\n  - name: a\n    window: 10m\n---\ndata_dependencies:\n  - { source: orders, dataset: p, freshness_required: <10s }\n---\ndata_dependencies:\n  - { source: component:default/orders, dataset: p, freshness_required: <20s }\n',
      );
      expect(contract.idempotency).toHaveLength(1);
      expect(contract.dataDependencies).toHaveLength(1);
      expect(problems.map(p => [p.line, p.path])).toEqual([
        [5, 'operations[1].window'],
        [11, 'data_dependencies[0].freshness_required'],
      ]);
      expect(problems[1].message).toMatch(
        /`freshness_required` is `20s` here but `10s`/,
      );
    });

    it('keeps distinct endpoints, datasets and requirements apart and unions their lists', () => {
      const { contract, problems } = parse(
        RISK,
        'provides:\n  - endpoint: /a\n    data: [x]\n  - endpoint: /b\n  - dataset: d\n    derived_from: [{ source: orders, dataset: o }]\nrequires:\n  - { from: support, data: x }\n  - { from: support, data: y }\n',
        'provides:\n  - endpoint: /a\n    data: [x, y]\n  - dataset: d\n    derived_from: [{ source: orders, dataset: p }]\n',
      );
      expect(problems).toEqual([]);
      expect(contract.endpoints.map(e => [e.path, e.data])).toEqual([
        ['/a', ['x', 'y']],
        ['/b', []],
      ]);
      expect(contract.datasets[0].derivedFrom.map(d => d.dataset)).toEqual([
        'o',
        'p',
      ]);
      expect(contract.requires).toHaveLength(2);
    });
  });

  describe('problems', () => {
    it('reports every problem at once and keeps the valid siblings', () => {
      const { contract, problems } = parse(
        CHECKOUT,
        `service: checkout
depends_on:
  - service: risk
    latncy_budget: { acceptable: p95 < 200ms }
    timeout: fast
  - service: payment
    timeout: 200 ms
    latency_budget: { acceptable: p150 < 1s, target: p50 < 100ms }
  - operation: orphan
retry_policies:
  - target: risk.
  - target: payment.authorize
    max_attempts: 0
    on_timeout: { generates_new_request_id: yes }
`,
      );
      expect(
        problems.map(p => `${p.line}:${p.column} ${p.path}: ${p.message}`),
      ).toEqual([
        '4:5 depends_on[0].latncy_budget: unknown key `latncy_budget`: did you mean `latency_budget`?',
        '5:14 depends_on[0].timeout: expected a duration such as `200ms`, `1.5s` or `5m`, got `fast`',
        '8:35 depends_on[1].latency_budget.acceptable: percentile `p150` is outside 0–100 (p0 excluded, p100 is the maximum)',
        '9:5 depends_on[2]: missing `service`',
        '11:13 retry_policies[0].target: expected `service.operation`, e.g. `risk.scoreTransaction`, got `risk.`',
        '13:19 retry_policies[1].max_attempts: must be at least 1, got 0',
        '14:45 retry_policies[1].on_timeout.generates_new_request_id: expected `true` or `false`, got a string',
      ]);
      expect(
        problems.every(
          p => p.entity === CHECKOUT && p.file === 'contracts/0.yaml',
        ),
      ).toBe(true);
      expect(shape(contract.dependsOn)).toEqual([
        { service: 'risk', ref: RISK, budget: [] },
        {
          service: 'payment',
          ref: 'component:default/payment',
          budget: [
            { level: 'target', percentile: 50, ms: 100, raw: 'p50 < 100ms' },
          ],
          timeoutMs: 200,
        },
      ]);
      expect(shape(contract.retryPolicies)).toEqual([
        {
          target: 'payment.authorize',
          ref: 'component:default/payment',
          operation: 'authorize',
        },
      ]);
    });

    it('explains the kinds of a provides item', () => {
      const { problems } = parse(
        RISK,
        'provides:\n  - operation: a\n    dataset: b\n  - via: x\n  - endpoint: /x\n    latency: { current: p50=1ms }\n  - dataset: d\n    freshness: fast\n',
      );
      expect(
        problems.map(p => `${p.line}:${p.column} ${p.path}: ${p.message}`),
      ).toEqual([
        '2:5 provides[0]: a `provides` item is one of `operation`, `dataset` or `endpoint`, not several: this one has `operation` and `dataset`',
        '4:5 provides[1]: a `provides` item needs one of `operation`, `dataset` or `endpoint`',
        '6:5 provides[2].latency: `latency` applies to an `operation` item only',
        '8:16 provides[3].freshness: expected a duration such as `200ms`, `1.5s` or `5m`, got `fast`',
      ]);
    });

    it('reports wrong types with what was expected', () => {
      const { problems } = parse(
        CHECKOUT,
        'depends_on: none\nprovides: { a: 1 }\noperations:\n  - name: [a]\n    window: 500\nrequires:\n  - from: x\n    data: 3\n',
      );
      expect(problems.map(p => `${p.path}: ${p.message}`)).toEqual([
        'depends_on: expected a list, got a string',
        'provides: expected a list, got a mapping',
        'operations[0].name: expected a string, got a list',
        'operations[0].window: `500` has no unit: write e.g. `500ms` or `500s` (units: ms, s, m, h)',
        'requires[0].data: expected a string, got a whole number',
      ]);
    });

    it('reports YAML syntax errors with their position', () => {
      const { problems } = parse(
        CHECKOUT,
        'service: checkout\ndepends_on:\n  - service: "risk\n',
      );
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]).toMatchObject({ file: 'contracts/0.yaml' });
      expect(problems[0].line).toBeGreaterThanOrEqual(3);
      expect(problems[0].message).toMatch(/^YAML: /);
    });

    it('reports an empty document, and nothing for an empty trailing document', () => {
      expect(parse(CHECKOUT, '').problems[0].message).toMatch(
        /the contract is empty/,
      );
      expect(parse(CHECKOUT, '# only a comment\n').problems).toHaveLength(1);
      expect(parse(CHECKOUT, 'service: checkout\n---\n').problems).toEqual([]);
    });

    it('caps the problems of one file', () => {
      const text = `depends_on:\n${Array.from(
        { length: 150 },
        (_, i) => `  - service: s${i}\n    timeout: fast\n`,
      ).join('')}`;
      const { problems, contract } = parse(CHECKOUT, text);
      expect(problems).toHaveLength(101);
      expect(problems[100].message).toBe(
        '50 more problems in this file are not shown',
      );
      expect(contract.dependsOn).toHaveLength(150);
    });

    it('never throws, whatever it is given', () => {
      const weird: unknown[] = [
        null,
        undefined,
        5,
        'text',
        [null],
        [{}],
        [{ file: 3, text: 5 }],
        [{ file: 'a', text: null }],
      ];
      for (const sources of weird) {
        const result = parseEntityContract(
          CHECKOUT,
          sources as ContractSource[],
        );
        expect(result.contract.entityRef).toBe(CHECKOUT);
        expect(result.problems.length).toBeGreaterThan(0);
      }
      expect(
        parseEntityContract('', [{ file: 'a', text: 'service: x\n' }])
          .problems[0].message,
      ).toMatch(/not an entity ref/);
      expect(
        parseEntityContract(undefined as unknown as string, []).problems.length,
      ).toBeGreaterThan(0);
      expect(parseEntityContract(CHECKOUT, [])).toEqual({
        contract: expect.objectContaining({
          entityRef: CHECKOUT,
          dependsOn: [],
          sources: [],
        }),
        problems: [],
      });
    });

    it('keeps keys that collide with Object.prototype as plain unknown keys', () => {
      const { problems } = parse(
        CHECKOUT,
        '__proto__: { polluted: true }\nconstructor: 1\n',
      );
      expect(problems.map(p => p.path)).toEqual(['__proto__', 'constructor']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
