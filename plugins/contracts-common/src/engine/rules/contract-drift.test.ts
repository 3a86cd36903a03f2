import type { DiscoveredFact } from '../../types';
import {
  contract,
  dataDep,
  dep,
  entity,
  findingsOf,
  idem,
  policy,
} from '../testUtils';

const rule = 'contract-drift';

function fact(
  kind: DiscoveredFact['kind'],
  parts: Partial<DiscoveredFact> = {},
): DiscoveredFact {
  return {
    kind,
    file: 'src/risk/client.ts',
    line: 42,
    column: 18,
    written: 'AbortSignal.timeout(5000)',
    language: 'typescript',
    target: 'risk',
    ...parts,
  };
}

const entities = [entity('checkout'), entity('risk'), entity('payment')];

describe('contract-drift', () => {
  it('fires when the code uses another timeout than the contract declares', () => {
    const [f, ...rest] = findingsOf(
      rule,
      [
        contract('checkout', {
          dependsOn: [dep('risk', 'scoreTransaction', { timeoutMs: 500 })],
          discovered: [fact('timeout', { ms: 5000 })],
        }),
      ],
      { entities },
    );
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      severity: 'warning',
      consumer: 'component:default/checkout',
      provider: 'component:default/risk',
      subject: 'scoreTransaction (timeout)',
      expected: 'timeout 500ms',
      actual: '5s at src/risk/client.ts:42',
    });
    expect(f.message).toContain(
      'declared timeout 500ms (contracts/test.yaml:1); code uses 5s at src/risk/client.ts:42',
    );
    expect(f.message).toContain(
      'src/risk/client.ts:42:18: AbortSignal.timeout(5000)',
    );
  });

  it('is silent when code and contract agree, when the value is not resolved, and without a target', () => {
    const declared = dep('risk', 'scoreTransaction', {
      timeoutMs: 500,
      retry: { raw: '3', maxAttempts: 3 },
    });
    expect(
      findingsOf(
        rule,
        [
          contract('checkout', {
            dependsOn: [declared],
            discovered: [
              fact('timeout', { ms: 500 }),
              fact('timeout', {
                unresolved: 'timeout from config key RISK_TIMEOUT',
              }),
              fact('timeout', { ms: 9000, target: undefined }),
              fact('retry', { attempts: 2, counts: 'retries' }),
            ],
          }),
        ],
        { entities },
      ),
    ).toEqual([]);
  });

  it('compares attempts in all: retries plus the first try', () => {
    const [f] = findingsOf(
      rule,
      [
        contract('checkout', {
          dependsOn: [
            dep('risk', 'scoreTransaction', {
              retry: { raw: 'none', maxAttempts: 1 },
            }),
          ],
          discovered: [
            fact('retry', {
              attempts: 2,
              counts: 'retries',
              written: 'for (let attempt = 0; attempt <= 2; attempt++)',
            }),
          ],
        }),
      ],
      { entities },
    );
    expect(f).toMatchObject({
      subject: 'scoreTransaction (retry)',
      expected: 'retry: none (1 attempt)',
      actual: '3 attempts at src/risk/client.ts:42',
    });
  });

  it('prefers a retry policy’s max_attempts over the dependency’s retry', () => {
    const findings = findingsOf(
      rule,
      [
        contract('checkout', {
          dependsOn: [
            dep('risk', 'score', { retry: { raw: 'none', maxAttempts: 1 } }),
          ],
          retryPolicies: [policy('risk.score', { maxAttempts: 3 })],
          discovered: [fact('retry', { attempts: 3, counts: 'all-tries' })],
        }),
      ],
      { entities },
    );
    expect(findings).toEqual([]);
  });

  it('fires when the code makes a new id on retry and the contract says it keeps it', () => {
    const [f] = findingsOf(
      rule,
      [
        contract('checkout', {
          retryPolicies: [
            policy('risk.score', { newRequestIdOnTimeout: false }),
          ],
          discovered: [
            fact('new-id-in-retry', { written: 'crypto.randomUUID()' }),
          ],
        }),
        contract('risk', { idempotency: [idem('score', 'transaction_id')] }),
      ],
      { entities },
    );
    expect(f).toMatchObject({
      severity: 'warning',
      subject: 'score (request id on retry)',
      expected: 'generates_new_request_id: false',
    });
    // declared true: agrees
    expect(
      findingsOf(
        rule,
        [
          contract('checkout', {
            retryPolicies: [
              policy('risk.score', { newRequestIdOnTimeout: true }),
            ],
            discovered: [fact('new-id-in-retry')],
          }),
        ],
        { entities },
      ),
    ).toEqual([]);
  });

  it('reports at info what the code states and the contract leaves out', () => {
    const findings = findingsOf(
      rule,
      [
        contract('checkout', {
          dependsOn: [dep('risk', 'score')],
          discovered: [
            fact('timeout', { ms: 800 }),
            fact('new-id-in-retry'),
            fact('timeout', { ms: 2000, target: 'payment' }),
          ],
        }),
      ],
      { entities },
    );
    expect(
      findings.map(f => [f.severity, f.provider, f.subject, f.expected]),
    ).toEqual([
      [
        'info',
        'component:default/payment',
        'payment (undeclared call)',
        'no dependency on payment',
      ],
      [
        'info',
        'component:default/risk',
        'score (request id on retry)',
        'not declared',
      ],
      [
        'info',
        'component:default/risk',
        'score (timeout)',
        'no timeout declared',
      ],
    ]);
  });

  it('never fires for a contract without discovered facts', () => {
    expect(
      findingsOf(
        rule,
        [
          contract('checkout', {
            dependsOn: [dep('risk', 'score', { timeoutMs: 500 })],
          }),
        ],
        { entities },
      ),
    ).toEqual([]);
  });
});

describe('contract-drift, attempts as the engine reads them', () => {
  it('takes a retry policy without max_attempts as two attempts at least, whatever retry: says', () => {
    const checkout = (attempts: number) =>
      contract('checkout', {
        dependsOn: [
          dep('risk', 'score', { retry: { raw: 'none', maxAttempts: 1 } }),
        ],
        retryPolicies: [policy('risk.score', { newRequestIdOnTimeout: true })],
        discovered: [fact('retry', { attempts, counts: 'all-tries' })],
      });
    expect(findingsOf(rule, [checkout(2)], { entities })).toEqual([]);
    expect(findingsOf(rule, [checkout(3)], { entities })).toEqual([]);
    const [f] = findingsOf(rule, [checkout(1)], { entities });
    expect(f.expected).toBe(
      'a retry policy on risk.score (2 attempts at least)',
    );
  });
});

describe('contract-drift, replica reads', () => {
  it('reports a replica read of a source without a data dependency, at info; a declared one (or one tied to it) is silent', () => {
    const risk = (dataDependencies: any[]) =>
      contract('risk', {
        dataDependencies,
        discovered: [
          fact('replica-read', {
            target: 'orders',
            written: 'ordersReplica.query(…)',
          }),
        ],
      });
    const all = [
      entity('risk'),
      entity('orders', { dependsOn: ['resource:default/orders-db'] }),
      entity('orders-db', {
        kind: 'Resource',
        ref: 'resource:default/orders-db',
      }),
    ];
    const [f, ...rest] = findingsOf(rule, [risk([])], { entities: all });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      severity: 'info',
      provider: 'component:default/orders',
      subject: 'orders (replica read)',
      expected: 'no data dependency on orders',
    });
    expect(
      findingsOf(
        rule,
        [
          risk([
            dataDep('resource:default/orders-db', 'user_purchases', 10_000),
          ]),
        ],
        {
          entities: all,
        },
      ),
    ).toEqual([]);
  });
});
