import {
  formatDuration,
  parseDuration,
  parseDurationText,
  parseFreshness,
  parseFreshnessParts,
  parseFreshnessRequired,
  parseLatencyBounds,
  parsePercentile,
  parsePercentileLatencies,
  parseRetry,
  parseRetryTarget,
} from './grammar';

describe('parseDuration', () => {
  it.each([
    ['200ms', 200],
    ['0.2s', 200],
    ['1.5s', 1500],
    ['.5s', 500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['  30s ', 30_000],
    ['200 ms', 200],
    ['+3s', 3000],
    ['0.5ms', 0.5],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDurationText(text)).toEqual({ value: ms, errors: [] });
  });

  it.each([
    ['fast', /expected a duration such as `200ms`/],
    ['', /empty duration/],
    ['500', /has no unit: write e\.g\. `500ms`/],
    ['-5ms', /negative/],
    ['0s', /zero/],
    ['0', /no unit/],
    ['0.0ms', /zero/],
    ['5 sec', /did you mean `5s`/],
    ['5mins', /did you mean `5m`/],
    ['200MS', /did you mean `200ms`/],
    ['3 parsecs', /unknown unit `parsecs`.*expected ms, s, m or h/],
    ['1e3ms', /unknown unit/],
    ['1.5.2s', /unknown unit/],
    ['ms', /expected a duration/],
    ['99999999999999999999999h', /too large/],
  ])('rejects %j', (text, message) => {
    expect(parseDuration(text)).toBeUndefined();
    const result = parseDurationText(text);
    expect(result.value).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(message);
  });

  it('is undefined for a value that is not text', () => {
    expect(parseDuration(5 as unknown as string)).toBeUndefined();
  });

  it('formats durations back', () => {
    expect(formatDuration(200)).toBe('200ms');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(formatDuration(3000)).toBe('3s');
    expect(formatDuration(15_500)).toBe('15.5s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(7_200_000)).toBe('2h');
  });
});

describe('parsePercentile', () => {
  it.each([
    ['p50', 50],
    ['p95', 95],
    ['P99', 99],
    ['p99.9', 99.9],
    ['p100', 100],
    ['p0.1', 0.1],
  ])('reads %s', (text, value) => {
    expect(parsePercentile(text)).toEqual({ value, errors: [] });
  });

  it.each(['p0', 'p101', 'p150', 'p100.5'])(
    'rejects %s as outside 0–100',
    text => {
      expect(parsePercentile(text).errors[0]).toMatch(/outside 0–100/);
    },
  );

  it.each(['95', 'p-5', 'px', 'median', ''])(
    'rejects %j as not a percentile',
    text => {
      expect(parsePercentile(text).errors[0]).toMatch(
        /expected a percentile such as `p95`/,
      );
    },
  );
});

describe('parseLatencyBounds', () => {
  it('reads the essay form', () => {
    expect(parseLatencyBounds('p95 < 200ms')).toEqual({
      value: [{ percentile: 95, ms: 200, raw: 'p95 < 200ms' }],
      errors: [],
    });
  });

  it('reads several bounds, <= and ≤, compact spacing', () => {
    const result = parseLatencyBounds('p50<100ms, p95 <= 0.2s, p99 ≤ 1s');
    expect(result.errors).toEqual([]);
    expect(result.value!.map(b => [b.percentile, b.ms])).toEqual([
      [50, 100],
      [95, 200],
      [99, 1000],
    ]);
  });

  it('keeps the valid bounds of a list and reports the others', () => {
    const result = parseLatencyBounds('p50 < 100ms, p150 < 1s, p95 < fast');
    expect(result.value).toEqual([
      { percentile: 50, ms: 100, raw: 'p50 < 100ms' },
    ]);
    expect(result.errors).toHaveLength(2);
    expect(result.errors[0]).toMatch(/p150.*outside/);
    expect(result.errors[1]).toMatch(/`fast`/);
  });

  it.each([
    ['p95 = 200ms', /upper bound: write `p95 < 200ms`/],
    ['p95 > 200ms', /upper bound/],
    ['< 200ms', /no percentile/],
    ['200ms', /no percentile/],
    ['fast', /expected e\.g\. `p95 < 200ms`/],
    ['', /empty latency bound/],
    ['p95 < 200ms, p95 < 300ms', /p95 is bounded twice/],
    ['p95 < 200ms,, p99 < 1s', /empty item/],
  ])('rejects %j', (text, message) => {
    expect(parseLatencyBounds(text).errors.join('\n')).toMatch(message);
  });
});

describe('parsePercentileLatencies', () => {
  it('reads the essay current latency', () => {
    expect(parsePercentileLatencies('p50=2800ms, p95=3200ms')).toEqual({
      value: {
        values: [
          { percentile: 50, ms: 2800 },
          { percentile: 95, ms: 3200 },
        ],
        note: undefined,
      },
      errors: [],
    });
  });

  it('reads the essay target with its note', () => {
    expect(
      parsePercentileLatencies('p50=80ms, p95=150ms (requires caching)').value,
    ).toEqual({
      values: [
        { percentile: 50, ms: 80 },
        { percentile: 95, ms: 150 },
      ],
      note: 'requires caching',
    });
  });

  it('reads spaced and decimal forms', () => {
    expect(parsePercentileLatencies('p99.9 = 1.5s').value!.values).toEqual([
      { percentile: 99.9, ms: 1500 },
    ]);
  });

  it.each([
    ['p95 < 3200ms', /written with `=`/],
    ['p95=3200', /no unit/],
    ['p95=fast', /`fast`/],
    ['3200ms', /no percentile/],
    ['(only a note)', /empty latency/],
    ['p50=1ms, p50=2ms', /given twice/],
    ['p0=1ms', /outside/],
  ])('rejects %j', (text, message) => {
    expect(parsePercentileLatencies(text).errors.join('\n')).toMatch(message);
  });
});

describe('parseFreshness', () => {
  it('reads the essay guarantee', () => {
    expect(parseFreshness('15-30s typical, 60s max')).toEqual({
      value: {
        raw: '15-30s typical, 60s max',
        typicalMinMs: 15_000,
        typicalMaxMs: 30_000,
        maxMs: 60_000,
      },
      errors: [],
    });
  });

  it.each([
    ['60s max', { maxMs: 60_000 }],
    ['30s', { maxMs: 30_000 }],
    ['<60s', { maxMs: 60_000 }],
    ['~20s', { typicalMinMs: 20_000, typicalMaxMs: 20_000, maxMs: 20_000 }],
    ['15-30s', { typicalMinMs: 15_000, typicalMaxMs: 30_000, maxMs: 30_000 }],
    [
      '15s-30s typical',
      { typicalMinMs: 15_000, typicalMaxMs: 30_000, maxMs: 30_000 },
    ],
    [
      'typical 500ms-2s, max 5s',
      { typicalMinMs: 500, typicalMaxMs: 2000, maxMs: 5000 },
    ],
    [
      '15–30s typical, 1m max',
      { typicalMinMs: 15_000, typicalMaxMs: 30_000, maxMs: 60_000 },
    ],
    [
      '15-30s (replica lag)',
      { typicalMinMs: 15_000, typicalMaxMs: 30_000, maxMs: 30_000 },
    ],
    [
      '15-30s, 60s',
      { typicalMinMs: 15_000, typicalMaxMs: 30_000, maxMs: 60_000 },
    ],
    [
      '60s max, 10s',
      { typicalMinMs: 10_000, typicalMaxMs: 10_000, maxMs: 60_000 },
    ],
  ])('reads %j', (text, expected) => {
    const result = parseFreshness(text);
    expect(result.errors).toEqual([]);
    expect(result.value).toEqual({ raw: text, ...expected });
  });

  it.each([
    ['fast', /expected a duration/],
    ['30-15s', /reversed/],
    ['15-30s typical, 10s max', /exceeds the max/],
    ['max 15-30s', /a max is one duration/],
    ['10s, 20s', /two figures/],
    ['60s max, 70s max', /max freshness is given twice/],
    ['', /empty freshness/],
    ['-5s', /negative/],
    ['typical', /has no duration/],
    ['~30s max', /both typical and max/],
  ])('rejects %j', (text, message) => {
    const result = parseFreshness(text);
    expect(result.errors.join('\n')).toMatch(message);
  });

  it('reads the structured form', () => {
    expect(
      parseFreshnessParts({ typical: '15-30s', max: '60s' }).value,
    ).toEqual({
      raw: '15-30s typical, 60s max',
      typicalMinMs: 15_000,
      typicalMaxMs: 30_000,
      maxMs: 60_000,
    });
    expect(parseFreshnessParts({ max: '60' }).errors[0]).toMatch(/no unit/);
    expect(parseFreshnessParts({}).errors[0]).toMatch(/empty/);
  });
});

describe('parseFreshnessRequired', () => {
  it.each([
    ['<10s', 10_000],
    ['< 10s', 10_000],
    ['<=10s', 10_000],
    ['≤ 500ms', 500],
    ['10s', 10_000],
  ])('reads %j', (text, ms) => {
    expect(parseFreshnessRequired(text)).toEqual({ value: ms, errors: [] });
  });

  it.each([
    ['>10s', /stalest data accepted/],
    ['<10', /no unit/],
    ['soon', /expected a duration/],
    ['<0s', /zero/],
  ])('rejects %j', (text, message) => {
    expect(parseFreshnessRequired(text).errors[0]).toMatch(message);
  });
});

describe('parseRetry', () => {
  it.each([
    ['none', { raw: 'none', maxAttempts: 1 }],
    ['None', { raw: 'None', maxAttempts: 1 }],
    [3, { raw: '3', maxAttempts: 3 }],
    ['2', { raw: '2', maxAttempts: 2 }],
    [1, { raw: '1', maxAttempts: 1 }],
  ])('reads %j', (value, expected) => {
    expect(parseRetry(value)).toEqual({ value: expected, errors: [] });
  });

  it.each([0, -1, 1.5, 'sometimes', '', true, null, ['3']])(
    'rejects %j',
    value => {
      const result = parseRetry(value);
      expect(result.value).toBeUndefined();
      expect(result.errors[0]).toMatch(
        /expected `none` or the number of attempts/,
      );
    },
  );
});

describe('parseRetryTarget', () => {
  it('splits at the last dot', () => {
    expect(parseRetryTarget('risk.scoreTransaction').value).toEqual({
      service: 'risk',
      operation: 'scoreTransaction',
    });
    expect(parseRetryTarget('component:default/risk.v2.score').value).toEqual({
      service: 'component:default/risk.v2',
      operation: 'score',
    });
    expect(parseRetryTarget('risk').value).toEqual({ service: 'risk' });
  });

  it.each(['risk.', '.score', '', '  '])('rejects %j', text => {
    expect(parseRetryTarget(text).errors).toHaveLength(1);
  });
});
