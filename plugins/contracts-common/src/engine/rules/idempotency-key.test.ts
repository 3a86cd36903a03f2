import { contract, dep, findingsOf, idem, policy } from '../testUtils';

const rule = 'idempotency-key';

describe('idempotency-key', () => {
  it('fires when the consumer makes a new id on retry and the provider dedupes on a stable key', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        dependsOn: [
          dep('risk', 'score', { retry: { raw: 'none', maxAttempts: 1 } }),
        ],
        retryPolicies: [policy('risk.score', { newRequestIdOnTimeout: true })],
      }),
      contract('risk', { idempotency: [idem('score', 'transaction_id')] }),
    ]);
    expect(f).toMatchObject({ severity: 'error', subject: 'score' });
    expect(f.message).toContain(
      'checkout: generates new transaction_id on retry',
    );
  });

  it('is silent when the id is kept, when there is no retry, or when the provider does not dedupe', () => {
    const risk = contract('risk', {
      idempotency: [idem('score', 'transaction_id')],
    });
    expect(
      findingsOf(rule, [
        contract('checkout', {
          retryPolicies: [
            policy('risk.score', { newRequestIdOnTimeout: false }),
          ],
        }),
        risk,
      ]),
    ).toEqual([]);
    expect(
      findingsOf(rule, [
        contract('checkout', {
          retryPolicies: [
            policy('risk.score', {
              newRequestIdOnTimeout: true,
              maxAttempts: 1,
            }),
          ],
        }),
        risk,
      ]),
    ).toEqual([]);
    expect(
      findingsOf(rule, [
        contract('checkout', {
          retryPolicies: [
            policy('risk.score', { newRequestIdOnTimeout: true }),
          ],
        }),
        contract('risk', {
          idempotency: [
            idem('score', 'transaction_id', { expects: 'unique_per_attempt' }),
          ],
        }),
      ]),
    ).toEqual([]);
  });
});
