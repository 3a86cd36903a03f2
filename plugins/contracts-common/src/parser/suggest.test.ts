import { levenshtein, nearest, unknownKeyMessage } from './suggest';

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
    expect(levenshtein('retyr', 'retry')).toBe(1);
  });

  it('finds the nearest key', () => {
    const keys = [
      'service',
      'operation',
      'latency_budget',
      'timeout',
      'fallback',
      'retry',
    ];
    expect(nearest('latncy_budget', keys)).toBe('latency_budget');
    expect(nearest('latencyBudget', keys)).toBe('latency_budget');
    expect(nearest('Latency-Budget', keys)).toBe('latency_budget');
    expect(nearest('timout', keys)).toBe('timeout');
    expect(nearest('retyr', keys)).toBe('retry');
    expect(nearest('colour', keys)).toBeUndefined();
    expect(nearest('x'.repeat(500), keys)).toBeUndefined();
  });

  it('writes the message', () => {
    expect(
      unknownKeyMessage('latncy_budget', ['latency_budget', 'timeout']),
    ).toBe('unknown key `latncy_budget`: did you mean `latency_budget`?');
    expect(unknownKeyMessage('colour', ['latency_budget', 'timeout'])).toBe(
      'unknown key `colour`: expected one of `latency_budget`, `timeout`',
    );
  });
});
