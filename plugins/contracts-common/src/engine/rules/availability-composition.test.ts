import type { Availability, EntityContract } from '../../types';
import { contract, dep, findingsOf, op } from '../testUtils';
import { formatAvailability } from './availability-composition';

const rule = 'availability-composition';

function availability(percent: number): Availability {
  return {
    percent,
    raw: `${percent}%`,
    loc: {
      file: 'contracts/test.yaml',
      line: 3,
      column: 5,
      path: 'availability',
    },
  };
}

/** A provided operation with an availability promise. */
function promising(name: string, percent: number) {
  return { ...op(name, {}), availability: availability(percent) };
}

function checkout(parts: Partial<EntityContract> = {}) {
  return contract('checkout', {
    operations: [promising('placeOrder', 99.99)],
    dependsOn: [dep('risk', 'score'), dep('payment', 'authorize')],
    ...parts,
  });
}

describe('availability-composition', () => {
  it('fires when serial hard dependencies multiply below the promise, with the arithmetic', () => {
    const [f, ...rest] = findingsOf(rule, [
      checkout(),
      contract('risk', { operations: [promising('score', 99.9)] }),
      contract('payment', { availability: availability(99.95) }),
    ]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      severity: 'error',
      consumer: 'component:default/checkout',
      provider: 'component:default/risk',
      subject: 'placeOrder',
      title: 'Availability composition violation',
      expected: '99.99% for placeOrder',
      actual: '≈ 99.85% (99.9% × 99.95%)',
      chain: ['component:default/checkout', 'component:default/risk'],
    });
    expect(f.message).toContain(
      'hard dependencies give: 99.9% (risk.score) × 99.95% (payment.authorize) ≈ 99.85%',
    );
    // who must change, and by how much
    expect(f.resolutions).toEqual([
      'checkout: Add a fallback for risk.score, so that it is no longer a hard dependency (contract, degraded mode)',
      // payment alone gives less than the promise: risk cannot lift it alone
      'risk: Cannot lift it alone: even 100% leaves ≈ 99.95% from the others',
      'checkout: Promise at most 99.85% for placeOrder (contract)',
    ]);
    expect(f.impact).toBe(
      'Checkout allows 4.3 min of downtime a month for placeOrder; its hard dependencies alone are down ≈ 64.8 min a month',
    );
  });

  it('names what the weakest dependency must promise when that alone would do', () => {
    const [f] = findingsOf(rule, [
      checkout({
        dependsOn: [dep('risk', 'score'), dep('payment', 'authorize')],
      }),
      contract('risk', { operations: [promising('score', 99.9)] }),
      contract('payment', { availability: availability(99.999) }),
    ]);
    expect(f.resolutions[1]).toBe(
      'risk: Promise at least 99.991% for score (reliability work)',
    );
  });

  it('takes the service-wide promise at the top of the contract', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        availability: availability(99.99),
        dependsOn: [dep('risk', 'score')],
      }),
      contract('risk', { availability: availability(99.9) }),
    ]);
    expect(f).toMatchObject({
      subject: '*',
      expected: '99.99%',
      actual: '99.9% (risk.score)',
    });
  });

  it('is silent when a fallback makes the dependency soft, or the promises compose', () => {
    expect(
      findingsOf(rule, [
        checkout({
          dependsOn: [
            dep('risk', 'score', { fallback: 'allow_with_monitoring' }),
            dep('payment', 'authorize'),
          ],
        }),
        contract('risk', { operations: [promising('score', 99.9)] }),
        contract('payment', { availability: availability(99.995) }),
      ]),
    ).toEqual([]);
    expect(
      findingsOf(rule, [
        checkout({ operations: [promising('placeOrder', 99.8)] }),
        contract('risk', { operations: [promising('score', 99.9)] }),
        contract('payment', { availability: availability(99.9) }),
      ]),
    ).toEqual([]);
    // no promise of its own, or no known availability below: nothing to compare
    expect(
      findingsOf(rule, [
        checkout({ operations: [] }),
        contract('risk', { operations: [promising('score', 90)] }),
      ]),
    ).toEqual([]);
    expect(
      findingsOf(rule, [checkout(), contract('risk'), contract('payment')]),
    ).toEqual([]);
  });

  it('walks dependencies that promise nothing down to those that do, and stops on cycles', () => {
    const [f] = findingsOf(rule, [
      contract('checkout', {
        operations: [promising('placeOrder', 99.95)],
        dependsOn: [dep('gateway', 'route')],
      }),
      contract('gateway', {
        dependsOn: [dep('risk', 'score'), dep('checkout', 'placeOrder')],
      }),
      contract('risk', {
        dependsOn: [dep('features', 'get'), dep('gateway', 'route')],
      }),
      contract('features', { availability: availability(99.9) }),
    ]);
    expect(f).toMatchObject({
      provider: 'component:default/gateway',
      // gateway: risk (features 99.9%; its call back to gateway is the cycle) × checkout 99.95%
      actual: '≈ 99.85% (gateway.route)',
      chain: [
        'component:default/checkout',
        'component:default/gateway',
        'component:default/risk',
        'component:default/features',
      ],
    });
  });

  it('never rounds a composed value up to look like the promise', () => {
    expect(formatAvailability(0.999899)).toBe('99.98%'); // toFixed(2) shows 99.99%
    expect(formatAvailability(0.99998, 0.99999)).toBe('99.998%');
    expect(formatAvailability(0.998001)).toBe('99.8%');
  });
});
