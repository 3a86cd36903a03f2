/*
 * The fast path must read exactly what the full path reads: the same values, the same locations,
 * the same contracts. It may decline any text (the full path then reads it); whatever it accepts
 * is compared here with the full path, on the example catalog, the essay's contracts, a generated
 * catalog and generated YAML-like texts full of the forms it must decline or read exactly.
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import type { ContractSource } from '../types';
import { ARTICLE } from './__fixtures__/article';
import { readYamlFast } from './fastYaml';
import {
  parseEntityContract,
  parseEntityContractOnPath,
} from './parseEntityContract';
import { pointerSegment, readYamlSource } from './yamlSource';

const EXAMPLES = path.resolve(__dirname, '../../../../examples');

/** Every contract source of the example catalog, by the service folder it sits in. */
function exampleEntities(): Array<{ ref: string; sources: ContractSource[] }> {
  const out: Array<{ ref: string; sources: ContractSource[] }> = [];
  if (!fs.existsSync(EXAMPLES)) return out;
  for (const service of fs.readdirSync(EXAMPLES).sort()) {
    const dir = path.join(EXAMPLES, service, 'contracts');
    if (!fs.existsSync(dir)) continue;
    const sources = fs
      .readdirSync(dir)
      .filter(name => /\.ya?ml$/.test(name))
      .sort()
      .map(name => ({
        file: `contracts/${name}`,
        text: fs.readFileSync(path.join(dir, name), 'utf8'),
      }));
    const service_ = /^service: (\S+)$/m.exec(sources[0]?.text ?? '')?.[1];
    out.push({ ref: `component:default/${service_ ?? service}`, sources });
  }
  return out;
}

/** The essay's contract blocks (each starts at its `# <service>/contracts/<file>.yaml` line). */
function essayEntities(): Array<{ ref: string; sources: ContractSource[] }> {
  const lines = fs.readFileSync(ARTICLE, 'utf8').split(/\r?\n/);
  const header = /^# \S+\/contracts\/\S+\.ya?ml\s*$/;
  const byService = new Map<string, ContractSource[]>();
  for (let i = 0; i < lines.length; i++) {
    if (!header.test(lines[i])) continue;
    const body = [lines[i]];
    while (
      i + 1 < lines.length &&
      lines[i + 1].trim() !== '' &&
      !header.test(lines[i + 1])
    )
      body.push(lines[++i]);
    const text = `${body.join('\n')}\n`;
    const service = /^service: (\S+)$/m.exec(text)![1];
    byService.set(service, [
      ...(byService.get(service) ?? []),
      { file: body[0].slice(2), text },
    ]);
  }
  return [...byService].map(([service, sources]) => ({
    ref: `component:default/${service}`,
    sources,
  }));
}

/** A generated catalog in the shape of the CLI benchmark's, with some structured forms. */
function generatedEntities(count: number) {
  const name = (i: number) => `svc-${String(i).padStart(4, '0')}`;
  return Array.from({ length: count }, (_, i) => {
    const deps = i < 10 ? [] : [i - 10, i - 7, i - 3].map(name);
    const lines = [
      `# ${name(i)}/contracts/contract.yaml`,
      `service: ${name(i)}`,
      'provides:',
      '  - operation: handle',
      '    latency:',
      `      current: p50=${i + 1}ms, p95=${2 * i + 2}ms # measured`,
      ...(i % 3 ? [] : ['      target:', `        p95: ${i + 1}ms`]),
      '  - dataset: records',
      ...(i % 2
        ? ["    freshness: '1-5s typical, 10s max'"]
        : ['    freshness:', '      typical: 1-5s', '      max: 10s']),
      '  - endpoint: /details',
      '    returns: full_breakdown',
      `    data: [details, summary_${i}]`,
      '',
      'operations:',
      '- name: handle',
      '  idempotency_key: request_id',
      `  window: ${i % 5 || 1}m`,
    ];
    if (deps.length) {
      lines.push('depends_on:');
      for (const dep of deps) {
        lines.push(
          `  - service: ${dep}`,
          '    operation: handle',
          '    latency_budget:',
          `      acceptable: "p95 < ${i * 3 + 1}ms"`,
          ...(i % 4 ? [] : ['      maximum:', `        p99: ${i * 5 + 1}ms`]),
          `    timeout: ${i * 8 + 1}ms`,
          `    retry: ${i % 2 ? 'none' : 3}`,
        );
      }
      lines.push(
        'data_dependencies:',
        `  - source: ${deps[0]}`,
        '    dataset: records',
        '    freshness_required: <60s',
        'retry_policies:',
        `  - target: ${deps[1]}.handle`,
        '    on_timeout:',
        `      generates_new_request_id: ${i % 2 === 0}`,
        '    max_attempts: 2',
        'requires:',
        `  - from: ${deps[2]}`,
        '    data: details',
      );
    }
    return {
      ref: `component:default/${name(i)}`,
      sources: [
        { file: 'contracts/contract.yaml', text: `${lines.join('\n')}\n` },
        {
          file: 'contracts/more.yaml',
          text: `service: ${name(
            i,
          )}\noperations:\n  - name: handle\n    expects: stable_across_retries\n`,
        },
      ],
    };
  });
}

describe('the fast path of the contract parser', () => {
  it.each([
    ['the example catalog', exampleEntities()],
    ['the essay', essayEntities()],
    ['a generated catalog', generatedEntities(120)],
  ])('reads %s exactly as the full path does', (_, entities) => {
    expect(entities.length).toBeGreaterThan(0);
    for (const { ref, sources } of entities) {
      const full = parseEntityContractOnPath('full', ref, sources);
      const fast = parseEntityContractOnPath('fast', ref, sources);
      expect({ ref, fast }).toEqual({ ref, fast: full });
      expect(parseEntityContract(ref, sources)).toEqual(full);
    }
  });

  it('leaves a contract with a problem to the full path', () => {
    const sources = [
      { file: 'a.yaml', text: 'service: risk\nprovides:\n  - operation: x\n' },
      {
        file: 'b.yaml',
        text: 'service: risk\ndepends_on:\n  - service: db\n    timeout: fast\n',
      },
    ];
    expect(
      parseEntityContractOnPath('fast', 'component:default/risk', sources),
    ).toBeUndefined();
    const { problems } = parseEntityContract('component:default/risk', sources);
    expect(problems).toEqual([
      {
        entity: 'component:default/risk',
        file: 'b.yaml',
        line: 4,
        column: 14,
        path: 'depends_on[0].timeout',
        message:
          'expected a duration such as `200ms`, `1.5s` or `5m`, got `fast`',
      },
    ]);
  });

  it('declines what it does not vouch for', () => {
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  text\n',
      'a: x\n  continued\n',
      'a: 1\na: 2\n',
      'a:\tx\n',
      'a: 1\r\n',
      'a: b: c\n',
      '- a\n',
      '',
      '# nothing\n',
      'a: 0x1F\n',
      'a: 1_000\n',
      'a: .inf\n',
      'null: 1\n',
      '? a\n: 1\n',
      'a: 1\n---\nb: 2\n',
      "a: 'open\n",
    ])
      expect({ text, read: readYamlFast('f', text) }).toEqual({
        text,
        read: undefined,
      });
  });

  it('reads escapes, flow mappings, a document marker and an indented root as yaml does', () => {
    for (const text of [
      'a: "x\\ty"\n',
      '---\na: 1\n',
      'a: {b: 1, c: [x, y]}\n',
      '  a: 1\n',
    ]) {
      const fast = readYamlFast('f', text);
      const [full] = readYamlSource('f', text).documents;
      expect({ text, value: fast?.value }).toEqual({ text, value: full.value });
      for (const pointer of pointers(full.value))
        expect({ text, pointer, at: fast?.locate(pointer) }).toEqual({
          text,
          pointer,
          at: full.locate(pointer),
        });
    }
  });

  /** Every pointer of a value, and a pointer under each that names nothing. */
  function pointers(value: unknown, at = ''): string[] {
    const out = [at, `${at}/missing`, `${at}/0`];
    if (Array.isArray(value))
      value.forEach((item, i) => out.push(...pointers(item, `${at}/${i}`)));
    else if (value && typeof value === 'object')
      for (const [key, item] of Object.entries(value))
        out.push(...pointers(item, `${at}/${pointerSegment(key)}`));
    return out;
  }

  // mostly forms the fast path reads (each must read exactly as `yaml` does), some it declines
  const KEYS = [
    'a',
    'b',
    'c',
    'p95',
    'service',
    'depends_on',
    'k-1',
    'k.2',
    '_k',
    'x/y',
    'constructor',
  ];
  const ODD_KEYS = ['true', 'Null', 'a b', '1k', '"q"', '__proto__', 'a:b'];
  const SCALARS = [
    'x',
    'p95 < 200ms',
    '15-30s typical, 60s max',
    '<10s',
    '/fraud-score',
    '~',
    'null',
    'NULL',
    'true',
    'False',
    '1',
    '-0',
    '+5',
    '007',
    '1.5',
    '1e3',
    '.5',
    '5.',
    '-1.5e-3',
    '123456789012345',
    "'q''s'",
    "'x' # c",
    '"dq"',
    '"x" # c',
    '[a, b]',
    '[ ]',
    '[]',
    '[ x ,y]',
    'x # comment',
    'x#c',
    'a:b',
    '-5',
    '--x',
    'http://a/b',
    'x   ',
    'resource:default/orders-db',
    'a, b',
    'é ü',
    '# only a comment',
    "''",
    '""',
    'p50=80ms, p95=150ms (requires caching)',
  ];
  const ODD_SCALARS = [
    '0x1F',
    '0o7',
    '.inf',
    '-.Inf',
    '.nan',
    '12345678901234567',
    "'open",
    '"a\\nb"',
    '"x"y',
    '[a,]',
    '[true]',
    '[a, [b]]',
    '[a b]',
    '{a: 1}',
    'a: b',
    'a:',
    '&anchor x',
    '*alias',
    '!!str 5',
    '|',
    '>',
    '- x',
    '-',
    '@x',
    '`x',
    '%x',
    '?x',
    ':x',
  ];
  const anyKey = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...KEYS) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) },
  );
  const anyScalar = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...SCALARS) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_SCALARS) },
  );
  type Node = { s: string } | { map: Array<[string, Node]> } | { seq: Node[] };
  const { map: tree } = fc.letrec<{ node: Node; map: Node; seq: Node }>(
    tie => ({
      node: fc.oneof(
        { depthSize: 'small' },
        anyScalar.map(s => ({ s })),
        tie('map'),
        tie('seq'),
      ),
      map: fc
        .array(fc.tuple(anyKey, tie('node')), { minLength: 1, maxLength: 4 })
        .map(entries => ({ map: entries })),
      seq: fc
        .array(tie('node'), { minLength: 1, maxLength: 3 })
        .map(seq => ({ seq })),
    }),
  );

  /** Renders a tree as block YAML, each choice of style (indentation, compact items, comments) drawn from `pick`. */
  function render(root: Node, pick: () => number): string {
    const out: string[] = [];
    const extra = () => {
      const r = pick();
      if (r < 4) out.push('');
      else if (r < 7) out.push(`${' '.repeat(r)}# comment`);
    };
    function block(node: Node, indent: number, owner: string) {
      const pad = ' '.repeat(indent);
      if ('s' in node) {
        out.push(`${owner} ${node.s}`);
      } else if ('map' in node) {
        out.push(owner);
        node.map.forEach(([key, value]) =>
          entry(`${pad}${key}:`, value, indent, true),
        );
      } else {
        out.push(owner);
        node.seq.forEach(item => entry(`${pad}-`, item, indent, false));
      }
    }
    function entry(head: string, value: Node, indent: number, isKey: boolean) {
      extra();
      const step = [2, 2, 2, 4, 1, 3][pick() % 6];
      if ('s' in value) {
        out.push(
          pick() % 10 === 0
            ? head
            : `${head}${' '.repeat(1 + (pick() % 3 === 0 ? 2 : 0))}${value.s}`,
        );
      } else if ('map' in value && !isKey && pick() % 3 !== 0) {
        // `- key: value`, further keys at the column of the first
        const gap = pick() % 4 === 0 ? 3 : 1;
        const [[key, first], ...rest] = value.map;
        const column = indent + 1 + gap;
        entry(`${head}${' '.repeat(gap)}${key}:`, first, column, true);
        rest.forEach(([k, v]) =>
          entry(`${' '.repeat(column)}${k}:`, v, column, true),
        );
      } else if ('seq' in value && isKey && pick() % 3 === 0) {
        // a sequence at the indentation of its key
        block(value, indent, head);
      } else {
        block(value, indent + step, head);
      }
    }
    const root_ = root as { map: Array<[string, Node]> };
    root_.map.forEach(([key, value]) => entry(`${key}:`, value, 0, true));
    const mutation = pick();
    if (mutation < 10 && out.length > 1) {
      const i = pick() % out.length;
      out[i] = mutation < 5 ? ` ${out[i]}` : out[i].replace(/^ /, '');
    }
    return `${out.join('\n')}\n`;
  }
  const text = fc
    .tuple(tree, fc.array(fc.nat(99), { minLength: 64, maxLength: 64 }))
    .map(([root, choices]) => {
      let n = 0;
      return render(root, () => choices[n++ % choices.length]);
    });

  it('reads what it accepts as the full path does: values and every location', () => {
    let accepted = 0;
    fc.assert(
      fc.property(text, yaml => {
        const fast = readYamlFast('f', yaml);
        if (!fast) return;
        accepted++;
        const full = readYamlSource('f', yaml);
        expect({ yaml, problems: full.problems }).toEqual({
          yaml,
          problems: [],
        });
        expect(full.documents).toHaveLength(1);
        const [doc] = full.documents;
        expect({ yaml, value: fast.value }).toEqual({ yaml, value: doc.value });
        for (const pointer of pointers(doc.value)) {
          for (const atKey of [false, true]) {
            expect({
              yaml,
              pointer,
              atKey,
              at: fast.locate(pointer, atKey),
            }).toEqual({
              yaml,
              pointer,
              atKey,
              at: doc.locate(pointer, atKey),
            });
          }
        }
      }),
      { seed: 20251125, numRuns: 3000 },
    );
    // the generated texts exercise the accepting side too, not only the declining one
    expect(accepted).toBeGreaterThan(300);
  });
});
