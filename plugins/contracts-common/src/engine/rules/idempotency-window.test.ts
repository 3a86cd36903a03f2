import { contract, dep, findingsOf, idem, policy } from '../testUtils';
import { callsOf } from '../paths';
import { retrySpanMs } from './idempotency-window';

const rule = 'idempotency-window';

describe('idempotency-window', () => {
  it('fires when retries outlast the window', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [dep('risk', 'score', { timeoutMs: 60_000 })],
        retryPolicies: [
          policy('risk.score', { maxAttempts: 3, backoff: 'exponential 30s' }),
        ],
      }),
      contract('risk', {
        idempotency: [idem('score', 'transaction_id', { windowMs: 120_000 })],
      }),
    ]);
    // 3 × 60s + 30s + 60s
    expect(f).toMatchObject({
      severity: 'warning',
      actual: '3 attempts over up to 270s',
    });
  });

  it('computes the span from attempts, timeout and backoff', () => {
    const c = contract('c', {
      dependsOn: [dep('p', 'op', { timeoutMs: 1000 })],
      retryPolicies: [
        policy('p.op', { maxAttempts: 4, backoff: 'fixed 500ms' }),
      ],
    });
    expect(retrySpanMs(callsOf(c)[0])).toBe(4 * 1000 + 3 * 500);
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        contract('checkout', {
          dependsOn: [
            dep('risk', 'score', {
              timeoutMs: 500,
              retry: { raw: '3', maxAttempts: 3 },
            }),
          ],
        }),
        contract('risk', {
          idempotency: [idem('score', 'transaction_id', { windowMs: 300_000 })],
        }),
      ]),
    ).toEqual([]);
  });
});
