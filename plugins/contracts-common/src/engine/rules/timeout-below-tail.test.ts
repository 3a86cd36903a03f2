import { contract, dep, findingsOf, op } from '../testUtils';

const rule = 'timeout-below-tail';
const caller = (timeoutMs: number) =>
  contract('checkout', { dependsOn: [dep('risk', 'score', { timeoutMs })] });

describe('timeout-below-tail', () => {
  it('fires when the timeout is below the p99', () => {
    const [f] = findingsOf(rule, [
      caller(500),
      contract('risk', { operations: [op('score', { 50: 100, 99: 900 })] }),
    ]);
    expect(f).toMatchObject({
      severity: 'warning',
      actual: 'p99 = 900ms (current)',
    });
    expect(f.impact).toContain('At least 1% of score calls');
  });

  it('uses the bound from lower percentiles when p99 is not declared', () => {
    const [f] = findingsOf(rule, [
      caller(500),
      contract('risk', { operations: [op('score', { 50: 2800, 95: 3200 })] }),
    ]);
    expect(f.actual).toBe('p99 ≥ 3200ms (current p95 = 3200ms)');
    expect(f.impact).toContain('At least 50% of score calls');
  });

  it('falls back to the highest declared percentile above p99', () => {
    const [f] = findingsOf(rule, [
      caller(500),
      contract('risk', { operations: [op('score', { 99.9: 700 })] }),
    ]);
    expect(f.actual).toBe('p99.9 ≥ 700ms (current p99.9 = 700ms)');
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        caller(1000),
        contract('risk', {
          operations: [op('score', { 50: 100, 95: 300, 99: 800 })],
        }),
      ]),
    ).toEqual([]);
    expect(findingsOf(rule, [caller(100), contract('risk')])).toEqual([]);
  });
});
