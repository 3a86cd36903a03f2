/*
 * The malformed-input corpus: documents generated from valid contracts by one mutation each
 * (a bad value in every grammar slot, wrong types, unknown and missing keys, broken YAML, alias
 * bombs, deep nesting, oversized and empty documents). Every one must give located problems, in
 * bounded time, and never an exception. Seeds are fixed: the corpus is the same on every run.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import {
  parseDuration,
  parseFreshness,
  parseLatencyBounds,
  parsePercentileLatencies,
} from './grammar';
import { parseEntityContract } from './parseEntityContract';
import { contractDocumentSchema } from './schema';
import { childPath } from './yamlSource';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Segment = string | number;

interface Case {
  mutation: string;
  entity: string;
  text: string;
  /** The path a problem must name (or lie under), when the mutation has one place. */
  path?: string;
}

const BASES: Array<{ entity: string; doc: { [key: string]: Json } }> = [
  {
    entity: 'component:default/checkout',
    doc: {
      service: 'checkout',
      depends_on: [
        {
          service: 'risk',
          operation: 'scoreTransaction',
          latency_budget: {
            target: 'p50 < 100ms',
            acceptable: 'p95 < 200ms',
            maximum: 'p99 < 500ms',
          },
          timeout: '500ms',
          fallback: 'allow_with_monitoring',
          retry: 'none',
        },
        {
          service: 'resource:default/payments-db',
          latency_budget: { p95: '50ms' },
          retry: 3,
        },
      ],
      retry_policies: [
        {
          target: 'risk.scoreTransaction',
          on_timeout: {
            generates_new_request_id: true,
            reason: 'separate_attempts_in_logs',
          },
          max_attempts: 2,
          backoff: 'exponential',
        },
      ],
    },
  },
  {
    entity: 'component:default/risk',
    doc: {
      service: 'risk',
      provides: [
        {
          operation: 'scoreTransaction',
          latency: {
            current: 'p50=2800ms, p95=3200ms',
            target: 'p50=80ms, p95=150ms (requires caching)',
          },
        },
        { endpoint: '/fraud-score', returns: 'aggregate_only', pii: 'minimal' },
        {
          endpoint: '/fraud-signals-detailed',
          returns: 'full_breakdown',
          data: ['fraud_decision_breakdown'],
          access: 'risk_team_only',
          pii: 'high',
        },
      ],
      data_dependencies: [
        {
          source: 'orders-db',
          dataset: 'user_purchases',
          freshness_required: '<10s',
          reason: 'velocity_fraud_detection',
          impact_if_stale: 'false_negatives',
        },
      ],
      operations: [
        {
          name: 'scoreTransaction',
          idempotency_key: 'transaction_id',
          expects: 'stable_across_retries',
          window: '5m',
        },
      ],
    },
  },
  {
    entity: 'component:default/orders',
    doc: {
      service: 'orders',
      provides: [
        {
          dataset: 'user_purchases',
          via: 'database_replica',
          freshness: '15-30s typical, 60s max',
          derived_from: [
            { source: 'resource:default/orders-db', dataset: 'orders' },
          ],
        },
      ],
    },
  },
  {
    entity: 'component:default/support',
    doc: {
      service: 'support',
      requires: [
        {
          from: 'risk',
          data: 'fraud_decision_breakdown',
          access_level: 'support_tier_2',
          use_case: 'dispute_resolution',
        },
      ],
    },
  },
];

type SlotKind =
  | 'self'
  | 'section'
  | 'duration'
  | 'bound'
  | 'measured'
  | 'freshness'
  | 'freshnessRequired'
  | 'retry'
  | 'name'
  | 'retryTarget'
  | 'attempts'
  | 'boolean'
  | 'names'
  | 'text';

interface Slot {
  path: Segment[];
  kind: SlotKind;
}

function classify(path: Segment[], value: Json): SlotKind | undefined {
  const key = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 1) return key === 'service' ? 'self' : 'section';
  if (key === 'timeout' || key === 'window') return 'duration';
  if (parent === 'latency_budget') return 'bound';
  if (parent === 'latency') return 'measured';
  if (key === 'freshness') return 'freshness';
  if (key === 'freshness_required') return 'freshnessRequired';
  if (key === 'retry') return 'retry';
  if (key === 'service' || key === 'source' || key === 'from') return 'name';
  if (key === 'target' && path[0] === 'retry_policies') return 'retryTarget';
  if (key === 'max_attempts') return 'attempts';
  if (key === 'generates_new_request_id') return 'boolean';
  if (key === 'data' && path[0] === 'provides') return 'names';
  return typeof value === 'string' ? 'text' : undefined;
}

function slotsOf(value: Json, path: Segment[] = []): Slot[] {
  const here = path.length ? classify(path, value) : undefined;
  const own = here ? [{ path, kind: here }] : [];
  if (here && here !== 'section') return own;
  if (Array.isArray(value))
    return [...own, ...value.flatMap((item, i) => slotsOf(item, [...path, i]))];
  if (value && typeof value === 'object') {
    return [
      ...own,
      ...Object.entries(value).flatMap(([k, v]) => slotsOf(v, [...path, k])),
    ];
  }
  return own;
}

function mappingsOf(value: Json, path: Segment[] = []): Segment[][] {
  if (Array.isArray(value))
    return value.flatMap((item, i) => mappingsOf(item, [...path, i]));
  if (value && typeof value === 'object') {
    return [
      path,
      ...Object.entries(value).flatMap(([k, v]) => mappingsOf(v, [...path, k])),
    ];
  }
  return [];
}

const displayPath = (path: Segment[]) =>
  path.reduce<string>((acc, s) => childPath(acc, s), '');

function setAt(doc: Json, path: Segment[], value: Json | undefined): Json {
  const copy = structuredClone(doc) as any;
  let at = copy;
  for (const segment of path.slice(0, -1)) at = at[segment];
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

function getAt(doc: Json, path: Segment[]): any {
  return path.reduce<any>((at, segment) => at?.[segment], doc);
}

/** Every key the schema knows, anywhere: an unknown key must be none of them. */
const KNOWN_KEYS = new Set<string>();
(function collect(node: unknown) {
  if (!node || typeof node !== 'object') return;
  const properties = (node as { properties?: object }).properties;
  if (properties) Object.keys(properties).forEach(key => KNOWN_KEYS.add(key));
  Object.values(node).forEach(collect);
})(contractDocumentSchema);
KNOWN_KEYS.add('typical').add('max');

const containers = fc.constantFrom<Json>([], {}, ['a'], { a: 1 });
const badText = (isBad: (text: string) => boolean) =>
  fc.string({ maxLength: 30 }).filter(text => isBad(text));

const BAD_VALUES: Record<SlotKind, fc.Arbitrary<Json>> = {
  self: fc.constantFrom(
    'someone-else',
    'component:other/risk',
    'group:default/checkout',
  ),
  section: fc.constantFrom<Json>(
    'none',
    5,
    { service: 'risk' },
    true,
    '',
    null,
  ),
  duration: fc.oneof(
    fc.constantFrom(
      'fast',
      '-5ms',
      '0s',
      '0ms',
      '500',
      '200 msec',
      '1e3ms',
      '5 parsecs',
      '',
      'ms',
      '.',
      '10 s s',
      '5MIN',
    ),
    fc.integer({ min: -1000, max: 100_000 }),
    badText(text => parseDuration(text) === undefined),
    containers,
  ),
  bound: fc.oneof(
    fc.constantFrom(
      'p95 = 200ms',
      'p0 < 1s',
      'p101 < 1s',
      'p150 < 200ms',
      'p95 < fast',
      '< 200ms',
      '200ms',
      'p95 > 1s',
      'fast',
      'p-1 < 2s',
      'p95 < 0ms',
    ),
    fc.integer({ min: 101, max: 10_000 }).map(p => `p${p} < 200ms`),
    badText(text => parseLatencyBounds(text).errors.length > 0),
    fc.constantFrom<Json>(
      [],
      {},
      { p95: 'fast' },
      { p200: '1s' },
      { nope: '1s' },
      true,
      200,
    ),
  ),
  measured: fc.oneof(
    fc.constantFrom(
      'p50 < 2800ms',
      'p95=3200',
      'fast',
      'p50=1ms, p50=2ms',
      '(only a note)',
      'p0=1ms',
      '=5ms',
      '',
    ),
    badText(text => parsePercentileLatencies(text).errors.length > 0),
    fc.constantFrom<Json>([], {}, { p95: 'x' }, { x: '1s' }, false),
  ),
  freshness: fc.oneof(
    fc.constantFrom(
      '30-15s',
      'fast',
      '15-30s typical, 10s max',
      'max 15-30s',
      '10s, 20s',
      '',
      '-5s',
      'typical',
      '60s max, 70s max',
    ),
    badText(text => parseFreshness(text).errors.length > 0),
    fc.constantFrom<Json>(
      {},
      { typical: 'x' },
      { maxx: '60s' },
      { max: [] },
      [],
      true,
    ),
  ),
  freshnessRequired: fc.oneof(
    fc.constantFrom('>10s', '10', 'soon', '<0s', '', '<', '<= -1s'),
    fc.integer(),
    containers,
  ),
  retry: fc.constantFrom<Json>(
    0,
    -1,
    1.5,
    'sometimes',
    '',
    'twice',
    '0',
    [],
    {},
    true,
  ),
  name: fc.constantFrom<Json>(
    'risk service',
    'a:b:c',
    '',
    ' ',
    'component:/x',
    '-bad',
    'x'.repeat(64),
    'kind with space:x',
    'a/b/c',
    [],
    {},
    true,
  ),
  retryTarget: fc.constantFrom<Json>(
    'risk.',
    '.score',
    '',
    'risk service.op',
    'a:b:c.op',
    [],
    {},
    true,
  ),
  attempts: fc.constantFrom<Json>(0, -1, 1.5, 'three', '3', true, [], null),
  boolean: fc.constantFrom<Json>('yes', 'true', 1, 0, 'no', [], null),
  names: fc.constantFrom<Json>('', [1], {}, true, 42, [[]], [''], null),
  text: fc.constantFrom<Json>('', [], {}, true, 42, null, ['a']),
};

const base = fc.constantFrom(...BASES);

/** A slot kind first (so grammar slots are not crowded out by free text), then a slot of it. */
const badValue: fc.Arbitrary<Case> = base.chain(({ entity, doc }) => {
  const slots = slotsOf(doc);
  const kinds = [...new Set(slots.map(slot => slot.kind))];
  return fc
    .constantFrom(...kinds)
    .chain(kind => fc.constantFrom(...slots.filter(slot => slot.kind === kind)))
    .chain(slot =>
      BAD_VALUES[slot.kind].map(value => ({
        mutation: `value:${slot.kind}`,
        entity,
        text: stringify(setAt(doc, slot.path, value)),
        path: displayPath(slot.path),
      })),
    );
});

function misspell(key: string, index: number, how: number): string {
  const i = index % key.length;
  switch (how % 3) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1);
    case 1:
      return key.slice(0, i) + key[i] + key.slice(i);
    default:
      return i + 1 < key.length
        ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2)
        : `${key}x`;
  }
}

const unknownKey: fc.Arbitrary<Case> = base.chain(({ entity, doc }) =>
  fc
    .tuple(
      fc.constantFrom(...mappingsOf(doc)),
      fc.oneof(
        fc.stringMatching(/^[a-z][a-z_]{2,14}$/),
        fc
          .tuple(fc.constantFrom(...KNOWN_KEYS), fc.nat(), fc.nat())
          .map(([k, i, how]) => misspell(k, i, how)),
      ),
    )
    .filter(
      ([, key]) =>
        !KNOWN_KEYS.has(key) &&
        !/^[pP]\d+(\.\d+)?$/.test(key) &&
        key.length > 0,
    )
    .map(([path, key]) => ({
      mutation: 'unknown-key',
      entity,
      text: stringify(setAt(doc, [...path, key], 'x')),
      path: displayPath([...path, key]),
    })),
);

const REQUIRED: Record<string, string[]> = {
  depends_on: ['service'],
  data_dependencies: ['source', 'dataset', 'freshness_required'],
  retry_policies: ['target'],
  operations: ['name'],
  requires: ['from', 'data'],
  derived_from: ['source', 'dataset'],
  provides: ['operation', 'dataset', 'endpoint'],
};

function requiredSlots(doc: Json): Segment[][] {
  return mappingsOf(doc).flatMap(path => {
    const list = path[path.length - 2];
    const keys = typeof list === 'string' ? REQUIRED[list] ?? [] : [];
    const item = getAt(doc, path);
    return keys.filter(key => key in item).map(key => [...path, key]);
  });
}

const missingKey: fc.Arbitrary<Case> = base.chain(({ entity, doc }) =>
  fc.constantFrom(...requiredSlots(doc)).map(path => ({
    mutation: 'missing-key',
    entity,
    text: stringify(setAt(doc, path, undefined)),
    path: displayPath(path.slice(0, -1)),
  })),
);

const twoKinds: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom(BASES[1], BASES[2]),
    fc.constantFrom('operation', 'dataset', 'endpoint'),
  )
  .map(([{ entity, doc }, kind]) => {
    const item = getAt(doc, ['provides', 0]);
    let other = kind;
    if (kind in item) other = kind === 'dataset' ? 'endpoint' : 'dataset';
    return {
      mutation: 'two-kinds',
      entity,
      text: stringify(setAt(doc, ['provides', 0, other], 'x')),
      path: 'provides[0]',
    };
  });

const BROKEN_LINES = [
  'bad: [unclosed',
  'key: "unterminated',
  ']',
  '- item after a mapping',
  'key: @reserved',
  '{a: 1',
];

const brokenYaml: fc.Arbitrary<Case> = fc
  .tuple(base, fc.constantFrom(...BROKEN_LINES, 'DUPLICATE'), fc.nat())
  .map(([{ entity, doc }, line, at]) => {
    const lines = stringify(doc).split('\n');
    const position = 1 + (at % (lines.length - 1));
    lines.splice(position, 0, line === 'DUPLICATE' ? lines[0] : line);
    return { mutation: 'broken-yaml', entity, text: lines.join('\n') };
  });

const aliasBomb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.integer({ min: 5, max: 12 }),
    fc.integer({ min: 4, max: 7 }),
    fc.boolean(),
  )
  .map(([width, depth, underValidKey]) => {
    const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
    for (let level = 1; level < depth; level++) {
      lines.push(
        `l${level}: &l${level} [${Array(width)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    }
    const text = underValidKey
      ? `service: checkout\ndepends_on:\n  - service: risk\n    fallback:\n${lines
          .map(l => `      ${l}`)
          .join('\n')}\n`
      : `${lines.join('\n')}\n`;
    return {
      mutation: 'alias-bomb',
      entity: 'component:default/checkout',
      text,
    };
  });

const deepNesting: fc.Arbitrary<Case> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 65, max: 20_000 }), fc.constantFrom('[', '{a: '))
    .map(([depth, open]) => ({
      mutation: 'deep-flow',
      entity: 'component:default/checkout',
      text: `depends_on: ${open.repeat(depth)}${(open === '['
        ? ']'
        : '}'
      ).repeat(depth)}\n`,
    })),
  fc.integer({ min: 65, max: 200 }).map(depth => ({
    mutation: 'deep-block',
    entity: 'component:default/checkout',
    text: `${Array.from(
      { length: depth },
      (_, i) => `${'  '.repeat(i)}a:`,
    ).join('\n')} 1\n`,
  })),
);

const oversized: fc.Arbitrary<Case> = fc
  .tuple(base, fc.integer({ min: 256 * 1024 + 1, max: 1024 * 1024 }))
  .map(([{ entity, doc }, size]) => {
    const text = stringify(doc);
    return {
      mutation: 'oversized',
      entity,
      text: `${text}# ${'x'.repeat(size - text.length)}\n`,
    };
  });

const emptyOrNotAMapping: fc.Arbitrary<Case> = fc
  .constantFrom(
    '',
    '\n',
    '# only a comment\n',
    '---\n',
    '---\n...\n',
    '   \n',
    'null\n',
    '~\n',
    '- a\n- b\n',
    'just text',
    '42',
    'true',
    '[1, 2]',
    '"quoted"',
    '? [a, b]\n: c\n',
    '[a]: 1\n',
    '? \n: x\n',
  )
  .map(text => ({
    mutation: 'empty-or-not-a-mapping',
    entity: 'component:default/checkout',
    text,
  }));

const malformed: fc.Arbitrary<Case> = fc.oneof(
  { arbitrary: badValue, weight: 8 },
  { arbitrary: unknownKey, weight: 3 },
  { arbitrary: missingKey, weight: 2 },
  { arbitrary: twoKinds, weight: 1 },
  { arbitrary: brokenYaml, weight: 3 },
  { arbitrary: aliasBomb, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: oversized, weight: 1 },
  { arbitrary: emptyOrNotAMapping, weight: 1 },
);

/** Parses one case and checks that it gives located problems, quickly, without throwing. */
function check(c: Case): void {
  const started = Date.now();
  const { contract, problems } = parseEntityContract(c.entity, [
    { file: 'corpus.yaml', text: c.text },
  ]);
  const elapsed = Date.now() - started;
  expect(contract.entityRef).toBe(c.entity);
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    expect(problem.entity).toBe(c.entity);
    expect(problem.file).toBe('corpus.yaml');
    expect(Number.isInteger(problem.line) && problem.line! >= 1).toBe(true);
    expect(Number.isInteger(problem.column) && problem.column! >= 1).toBe(true);
    expect(typeof problem.path).toBe('string');
    expect(problem.message.length).toBeGreaterThan(0);
  }
  if (c.path !== undefined) {
    const under = (path: string) =>
      path === c.path ||
      path.startsWith(`${c.path}.`) ||
      path.startsWith(`${c.path}[`);
    expect({
      text: c.text,
      paths: problems.map(p => p.path),
      under: problems.some(p => under(p.path)),
    }).toEqual({
      text: c.text,
      paths: problems.map(p => p.path),
      under: true,
    });
  }
  expect(elapsed).toBeLessThan(2000);
}

describe('the malformed-input corpus', () => {
  it('starts from valid contracts', () => {
    for (const { entity, doc } of BASES) {
      expect(
        parseEntityContract(entity, [
          { file: 'base.yaml', text: stringify(doc) },
        ]).problems,
      ).toEqual([]);
    }
  });

  it('holds at least 200 distinct malformed documents of every kind, each with located problems', () => {
    const corpus = fc.sample(malformed, { numRuns: 300, seed: 20_250_601 });
    const distinct = new Map(
      corpus.map(c => [`${c.entity}\u0000${c.text}`, c]),
    );
    expect(distinct.size).toBeGreaterThanOrEqual(200);
    const mutations = new Set(
      [...distinct.values()].map(c => c.mutation.split(':')[0]),
    );
    expect([...mutations].sort()).toEqual(
      [
        'alias-bomb',
        'broken-yaml',
        'deep-block',
        'deep-flow',
        'empty-or-not-a-mapping',
        'missing-key',
        'oversized',
        'two-kinds',
        'unknown-key',
        'value',
      ].sort(),
    );
    const started = Date.now();
    for (const c of distinct.values()) check(c);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('gives located problems for any malformed document (property)', () => {
    fc.assert(
      fc.property(malformed, c => {
        check(c);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  const nested = (depth: number) =>
    `service: checkout\ndepends_on:\n${Array.from(
      { length: depth },
      (_, i) => `${'  '.repeat(i + 1)}- `,
    ).join('\n')}x\n`;
  const bomb = [
    'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...'bcdefghi'
      .split('')
      .map(
        (name, i) =>
          `${name}: &${name} [${Array(9)
            .fill(`*${'abcdefgh'[i]}`)
            .join(', ')}]`,
      ),
  ].join('\n');
  it.each([
    ['malformed YAML', 'service: checkout\ndepends_on: [\n', /^YAML: /],
    [
      'a wrong type',
      'depends_on:\n  - service: risk\n    timeout: [500ms]\n',
      /expected a duration such as `200ms`, got a list/,
    ],
    [
      'a wrong type with an example',
      'depends_on:\n  - service: risk\n    latency_budget: p95 < 200ms\n',
      /expected a mapping such as `\{ acceptable: p95 < 200ms \}`, got a string/,
    ],
    [
      'an unknown unit',
      'depends_on:\n  - service: risk\n    timeout: 200 parsecs\n',
      /unknown unit `parsecs`/,
    ],
    [
      'a word for a duration',
      'depends_on:\n  - service: risk\n    timeout: fast\n',
      /got `fast`/,
    ],
    [
      'a negative duration',
      'operations:\n  - name: a\n    window: -5m\n',
      /negative/,
    ],
    ['a zero duration', 'operations:\n  - name: a\n    window: 0s\n', /zero/],
    [
      'a percentile above 100',
      'depends_on:\n  - service: risk\n    latency_budget: { acceptable: p101 < 1s }\n',
      /outside 0–100/,
    ],
    [
      'a percentile of 0',
      'provides:\n  - operation: a\n    latency: { current: p0=1ms }\n',
      /outside 0–100/,
    ],
    ['an empty document', '', /the contract is empty/],
    [
      'a 1 MB document',
      `service: checkout\n${'# padding\n'.repeat(100_000)}`,
      /the limit is 262144/,
    ],
    [
      'deep flow nesting',
      `depends_on: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      /nest deeper than 64/,
    ],
    ['deep block nesting', nested(100), /nest deeper than 64/],
    ['an alias bomb', bomb, /alias bomb/],
    [
      'an unknown key',
      'servise: checkout\n',
      /unknown key `servise`: did you mean `service`\?/,
    ],
  ])('reports %s with its location', (_, text, message) => {
    const started = Date.now();
    const { problems } = parseEntityContract('component:default/checkout', [
      { file: 'bad.yaml', text },
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.map(problem => problem.message)).toContainEqual(
      expect.stringMatching(message),
    );
    for (const problem of problems) {
      expect(problem).toEqual(
        expect.objectContaining({
          file: 'bad.yaml',
          line: expect.any(Number),
          column: expect.any(Number),
        }),
      );
    }
  });

  it('gives the nearest key for a misspelt one', () => {
    const { problems } = parseEntityContract('component:default/checkout', [
      {
        file: 'corpus.yaml',
        text: 'service: checkout\ndepends_on:\n  - service: risk\n    latncy_budget: { acceptable: p95 < 200ms }\n',
      },
    ]);
    expect(problems).toEqual([
      {
        entity: 'component:default/checkout',
        file: 'corpus.yaml',
        line: 4,
        column: 5,
        path: 'depends_on[0].latncy_budget',
        message: 'unknown key `latncy_budget`: did you mean `latency_budget`?',
      },
    ]);
  });
});
