import type { EntityContract, EntitySummary } from '../types';
import { analyze, createAnalyzer } from './engine';
import { defaultRules } from './rules';
import {
  bound,
  contract,
  dataDep,
  dataset,
  dep,
  entity,
  essayCatalog,
  op,
  requires,
} from './testUtils';
import type {
  AnalysisResult,
  Analyzer,
  ContractRule,
  GraphEdge,
} from './types';

import {
  consistentCatalog,
  generatedCatalog,
  NAMES,
  randomCatalog,
  RESOURCES,
  rng,
} from './__fixtures__/catalogs';

describe('incremental analysis', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'equals a full run after random edits (seed %i)',
    seed => {
      const r = rng(seed);
      const config = { retryAmplificationBound: 6 };
      const analyzer = createAnalyzer({ config });
      const { put, edit, full } = randomCatalog(r, analyzer, config);
      for (const name of [...NAMES, ...RESOURCES]) {
        if (r.chance(0.85)) {
          put(name);
        }
      }
      expect(analyzer.result()).toEqual(full());
      for (let step = 0; step < 60; step++) {
        edit();
        expect(analyzer.result()).toEqual(full());
      }
      const result = analyzer.result();
      expect(result).toEqual(full());
      expect(result.findings.length).toBeGreaterThan(0);
    },
  );

  it.each([1, 2])(
    'keeps each result as it was, whenever its edges are first read (seed %i)',
    seed => {
      const r = rng(100 + seed);
      const analyzer = createAnalyzer({});
      const { put, edit, full } = randomCatalog(r, analyzer);
      for (const name of [...NAMES, ...RESOURCES]) {
        put(name);
      }
      // Results kept unread while later edits come; their edges read at the end, out of order.
      const kept: Array<{ result: AnalysisResult; expected: AnalysisResult }> =
        [];
      const readAtOnce: Array<{
        edges: GraphEdge[];
        expected: AnalysisResult;
      }> = [];
      for (let step = 0; step < 1000; step++) {
        edit();
        const result = analyzer.result();
        if (step % 40 === 0) {
          kept.push({ result, expected: full() });
        }
        if (step % 97 === 0) {
          // Some results are read at once: the analyzer goes on from the array made.
          readAtOnce.push({ edges: result.graph.edges, expected: full() });
        }
      }
      for (const { edges, expected } of readAtOnce) {
        expect(edges).toEqual(expected.graph.edges);
      }
      const order = kept.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = r.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const i of order) {
        expect(kept[i].result.graph.edges).toEqual(
          kept[i].expected.graph.edges,
        );
        // Read again: the same array.
        expect(kept[i].result.graph.edges).toBe(kept[i].result.graph.edges);
      }
      expect(analyzer.result()).toEqual(full());
      expect(kept[kept.length - 1].expected.graph.edges.length).toBeGreaterThan(
        10,
      );
    },
  );

  it('hands out one edge array for results with no edit between them, and lets a caller set it', () => {
    const { entities, contracts } = consistentCatalog();
    const analyzer = createAnalyzer({});
    const byRef = new Map(contracts.map(c => [c.entityRef, c]));
    for (const e of entities) {
      analyzer.upsert(e, byRef.get(e.ref));
    }
    analyzer.result();
    const [first] = contracts;
    analyzer.upsert(entities.find(e => e.ref === first.entityRef)!, {
      ...first,
      dependsOn: [],
      retryPolicies: [],
    });
    const a = analyzer.result();
    const b = analyzer.result();
    expect(b.graph.edges).toBe(a.graph.edges);
    const mine = a.graph.edges.slice(1);
    a.graph.edges = mine;
    expect(a.graph.edges).toBe(mine);
    expect(Object.keys(a.graph)).toEqual(['nodes', 'edges']);
    expect(b.graph.edges).not.toBe(mine);
  });

  it('re-evaluates only what an edit touches', () => {
    const { entities, contracts } = consistentCatalog();
    let evaluations = 0;
    const counting = defaultRules.map(rule => ({
      ...rule,
      evaluate: (...args: Parameters<ContractRule['evaluate']>) => {
        evaluations++;
        return rule.evaluate(...args);
      },
    }));
    const analyzer = createAnalyzer({ rules: counting });
    const byRef = new Map(contracts.map(c => [c.entityRef, c]));
    for (const e of entities) {
      analyzer.upsert(e, byRef.get(e.ref));
    }
    analyzer.result();
    evaluations = 0;
    const ledger = byRef.get('component:default/ledger')!;
    analyzer.upsert(entity('ledger'), {
      ...ledger,
      operations: [op('record', { 95: 5000 })],
    });
    const { findings } = analyzer.result();
    // ledger itself, its caller payment, and checkout whose timeout walk reaches ledger
    expect(evaluations).toBe(3 * defaultRules.length);
    expect(findings.map(f => f.rule)).toEqual([
      'latency-path',
      'timeout-below-tail',
    ]);
  });
});

describe('incremental analysis of what an answer was made from', () => {
  /** A rule reporting, as its finding's title, what `read` answers for the anchor. */
  const probe = (
    read: (
      anchor: EntityContract,
      ctx: Parameters<ContractRule['evaluate']>[1],
    ) => unknown,
  ): ContractRule => ({
    id: 'probe',
    title: 'probe',
    defaultSeverity: 'info',
    description: 'reports what it read',
    evaluate: (anchor, ctx) => [
      {
        consumer: anchor.entityRef,
        provider: anchor.entityRef,
        subject: 'probe',
        title: JSON.stringify(read(anchor, ctx) ?? null),
        expected: '',
        actual: '',
        impact: '',
        resolutions: [],
        evidence: [],
        details: [],
      },
    ],
  });

  /** Upserts step by step (a result after each), then compares with a full analysis of the end state. */
  function incrementalAndFull(
    rules: ContractRule[],
    steps: Array<[EntitySummary, EntityContract?]>,
  ) {
    const analyzer = createAnalyzer({ rules });
    const state = new Map<string, [EntitySummary, EntityContract?]>();
    for (const [e, c] of steps) {
      analyzer.upsert(e, c);
      state.set(e.ref.toLowerCase(), [e, c]);
      analyzer.result();
    }
    const full = analyze({
      entities: [...state.values()].map(([e]) => e),
      contracts: [...state.values()].flatMap(([, c]) => (c ? [c] : [])),
      rules,
    });
    return { incremental: analyzer.result(), full };
  }

  it('follows a related entity spelling its ref otherwise', () => {
    const rules = [probe((a, ctx) => ctx.catalogDependencies(a.entityRef))];
    const { incremental, full } = incrementalAndFull(rules, [
      [entity('a', { dependsOn: ['b'] }), contract('a')],
      [entity('b')],
      [entity('b', { ref: 'Component:default/B' })],
    ]);
    expect(full.findings.map(f => f.title)).toEqual([
      '["Component:default/B"]',
    ]);
    expect(incremental.findings).toEqual(full.findings);
  });

  it('follows the entity a ref resolved to by name', () => {
    const rules = [
      probe((_a, ctx) => ctx.resolve('component:default/b')?.owner),
    ];
    const { incremental, full } = incrementalAndFull(rules, [
      [entity('a'), contract('a')],
      [entity('b', { kind: 'Resource', owner: 'group:default/x' })],
      [entity('b', { kind: 'Resource', owner: 'group:default/y' })],
    ]);
    expect(full.findings.map(f => f.title)).toEqual(['"group:default/y"']);
    expect(incremental.findings).toEqual(full.findings);
  });

  it('draws an edge to an entity found by name with its current spelling', () => {
    const { incremental, full } = incrementalAndFull(
      [],
      [
        [entity('a'), contract('a', { requires: [requires('b', 'detail')] })],
        [entity('b', { kind: 'Resource' })],
        [entity('b', { kind: 'Resource', ref: 'Resource:default/B' })],
      ],
    );
    expect(full.graph.edges.map(e => e.to)).toEqual(['Resource:default/B']);
    expect(incremental.graph).toEqual(full.graph);
  });
});

describe('incremental analysis of an edge several anchors draw', () => {
  /** An entity put, with its contract or none. */
  type Put = [EntitySummary, EntityContract?];
  /** Edits before a result: entities put, or removed (a name). */
  type Batch = Array<Put | string>;

  /** A contract put on entity `on` that says it is `name`'s: it draws `name`'s edges. */
  const claims = (
    on: string,
    name: string,
    parts: Parameters<typeof contract>[1],
  ): Put => [
    entity(on),
    { ...contract(name, parts), sources: [`contracts/${on}.yaml`] },
  ];
  const call = (service: string, operation: string) =>
    dep(service, operation, { budget: [bound('acceptable', 95, 200)] });
  const x: Put = [
    entity('x'),
    contract('x', { operations: [op('score', { 95: 900 })] }),
  ];
  const y: Put = [entity('y')];
  const a: Put = [
    entity('a'),
    contract('a', { dependsOn: [call('x', 'score')] }),
  ];
  const aAlone: Put = [entity('a')];
  // b's contract says it is a's: b and a draw the edge a → x (same id, same findings).
  const bAsA = claims('b', 'a', {
    dependsOn: [call('x', 'score'), call('y', 'lookup')],
  });
  const bAsAWithoutX = claims('b', 'a', { dependsOn: [call('y', 'lookup')] });
  const bAlone: Put = [entity('b')];
  // Contracts for an entity nobody lists, put on b and on c: both draw ghost → x.
  const bAsGhost = claims('b', 'ghost', { dependsOn: [call('x', 'score')] });
  const cAsGhost = claims('c', 'ghost', {
    dependsOn: [call('x', 'score'), call('y', 'lookup')],
  });
  const ghost: Put = [
    entity('ghost'),
    contract('ghost', { dependsOn: [call('y', 'lookup')] }),
  ];
  // The same dataset edge a → p drawn twice with another `via`: a reads p's dataset `d` from p,
  // b (as a) from the resource p stands behind.
  const p: Put = [
    entity('p', { dependsOn: ['resource:default/db'] }),
    contract('p', {
      datasets: [dataset('d', { freshness: { maxMs: 60_000 } })],
    }),
  ];
  const db: Put = [
    entity('db', { kind: 'Resource', ref: 'resource:default/db' }),
  ];
  const aReadsP: Put = [
    entity('a'),
    contract('a', { dataDependencies: [dataDep('p', 'd')] }),
  ];
  const bReadsDb = claims('b', 'a', {
    dataDependencies: [dataDep('resource:default/db', 'd')],
  });

  /** Applies the edits to the analyzer and to `state` (ref → what is put there). */
  function apply(analyzer: Analyzer, state: Map<string, Put>, batch: Batch) {
    for (const edit of batch) {
      if (typeof edit === 'string') {
        analyzer.remove(entity(edit).ref);
        state.delete(entity(edit).ref);
      } else {
        analyzer.upsert(...edit);
        state.set(edit[0].ref, edit);
      }
    }
  }

  /** What a fresh analyzer makes of these entities, put in this order. */
  function fresh(puts: Put[]) {
    const analyzer = createAnalyzer();
    for (const [e, c] of puts) {
      analyzer.upsert(e, c);
    }
    return analyzer.result();
  }

  const graphOrder = (edges: GraphEdge[]) =>
    edges
      .map(e => ({ e, k: [e.from, e.to, e.kind, e.subject, e.id].join('\0') }))
      .sort((l, r) => (l.k < r.k ? -1 : Number(l.k > r.k)))
      .map(({ e }) => e);

  /**
   * Applies the batches to one analyzer, a result after each, and compares each result with
   * what fresh analyzers make of the entities then (and with `analyze` when every contract is
   * its entity's, which is all its input can say).
   */
  function replay(batches: Batch[]): AnalysisResult[] {
    const analyzer = createAnalyzer();
    const state = new Map<string, Put>();
    const results: AnalysisResult[] = [];
    for (const batch of batches) {
      apply(analyzer, state, batch);
      const result = analyzer.result();
      const puts = [...state.values()];
      if (puts.every(([e, c]) => !c || c.entityRef === e.ref)) {
        expect(result).toEqual(
          analyze({
            entities: puts.map(([e]) => e),
            contracts: puts.flatMap(([, c]) => (c ? [c] : [])),
          }),
        );
      }
      expect(result).toEqual(fresh(puts));
      expect(result).toEqual(fresh([...puts].reverse()));
      // One edge per id, in graph order, with the findings on it.
      const ids = result.graph.edges.map(e => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(result.graph.edges).toEqual(graphOrder(result.graph.edges));
      results.push(result);
    }
    return results;
  }

  /** The one edge from `from` to `to`, with the one finding of `rule` between them on it. */
  function edgeWithFinding(
    result: AnalysisResult,
    from: string,
    to: string,
    rule: string,
  ): GraphEdge {
    const edges = result.graph.edges.filter(
      e => e.from === entity(from).ref && e.to === entity(to).ref,
    );
    const findings = result.findings.filter(
      f =>
        f.rule === rule &&
        f.consumer === entity(from).ref &&
        f.provider === entity(to).ref,
    );
    expect(edges).toHaveLength(1);
    expect(findings).toHaveLength(1);
    expect(edges[0].findings).toContain(findings[0].id);
    return edges[0];
  }

  // a draws a → x throughout, or a or b (or both) do: the edge, with a's latency finding on it,
  // after every edit.
  const drawnThroughout: Array<[string, Batch[]]> = [
    [
      'b joins a, leaves, comes back, stops drawing it',
      [[a, x, y], [bAsA], ['b'], [bAsA], [bAsAWithoutX], [bAlone], [bAsA]],
    ],
    [
      'a stops drawing it, then b leaves',
      [[a, x, y, bAsA], [aAlone], [a], ['b'], [bAsA], ['a'], [a], [aAlone]],
    ],
  ];
  it.each(drawnThroughout)(
    'keeps the edge while another anchor draws it: %s',
    (_story, edits) => {
      const results = replay(edits);
      const shown = results.map(r =>
        edgeWithFinding(r, 'a', 'x', 'latency-budget'),
      );
      expect(shown).toEqual(results.map(() => shown[0]));
    },
  );

  it('follows the edges of a contract put before its entity, and of two for an entity nobody lists', () => {
    replay([[bAsA, x, y], [a], ['a'], [a], [bAlone], ['a']]);
    const results = replay([
      [bAsGhost, cAsGhost, x, y],
      ['b'],
      [bAsGhost],
      [[entity('c')]],
      [ghost],
      ['ghost'],
      ['b'],
    ]);
    // ghost → x until b, the last to draw it, is removed (ghost's own contract, once ghost
    // is listed, does not draw it).
    for (const result of results.slice(0, -1)) {
      edgeWithFinding(result, 'ghost', 'x', 'latency-budget');
    }
    expect(results[results.length - 1].graph.edges).toEqual([]);
  });

  it.each([
    ['b leaves', ['b'] as Batch],
    ['b stops drawing it', [bAsAWithoutX] as Batch],
    ['a stops drawing it', [aAlone] as Batch],
    ['a leaves and comes back', ['a', a] as Batch],
  ])('takes a draft out before the first result: %s', (_label, edits) => {
    const analyzer = createAnalyzer();
    const state = new Map<string, Put>();
    apply(analyzer, state, [a, x, y, bAsA]);
    apply(analyzer, state, edits);
    // The first result, then one after x gets slower (the finding on a → x changes).
    const slowerX: Put = [
      entity('x'),
      contract('x', { operations: [op('score', { 95: 1200 })] }),
    ];
    for (const batch of [[], [slowerX]]) {
      apply(analyzer, state, batch);
      const result = analyzer.result();
      expect(result).toEqual(fresh([...state.values()]));
      edgeWithFinding(result, 'a', 'x', 'latency-budget');
    }
  });

  it('shows the same one of two drafts of an edge that differ in via, whoever drew it first', () => {
    const results = replay([
      [aReadsP, p, db],
      [bReadsDb],
      ['b'],
      [bReadsDb],
      [aAlone],
      [aReadsP],
      ['b'],
    ]);
    // The draft without via while a's is there (the fresh analyzers put them the other way).
    expect(
      results.map(r => edgeWithFinding(r, 'a', 'p', 'data-freshness').via),
    ).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'resource:default/db',
      undefined,
      undefined,
    ]);
  });
});

describe('an analyzer over whole catalogs', () => {
  const catalogs: Array<
    [string, () => { entities: EntitySummary[]; contracts: EntityContract[] }]
  > = [
    ['the essay catalog', essayCatalog],
    ['a consistent catalog', consistentCatalog],
    ['a generated catalog of 400 services', () => generatedCatalog(400)],
  ];

  it.each(catalogs)(
    'gives the same result as analyze(), whatever the order entities are put in: %s',
    (_label, make) => {
      const input = make();
      const full = analyze(input);
      const byRef = new Map(input.contracts.map(c => [c.entityRef, c]));
      for (const entities of [input.entities, [...input.entities].reverse()]) {
        const analyzer = createAnalyzer();
        for (const e of entities) {
          analyzer.upsert(e, byRef.get(e.ref));
        }
        expect(analyzer.result()).toEqual(full);
      }
      expect(full.findings.length + full.graph.edges.length).toBeGreaterThan(0);
    },
  );

  it('finds every rule of the engine in the generated catalog', () => {
    const { findings } = analyze(generatedCatalog(400));
    expect(new Set(findings.map(f => f.rule)).size).toBeGreaterThanOrEqual(8);
  });

  it('re-evaluates an edit after the first result, and a result with nothing left is the same', () => {
    const input = essayCatalog();
    const analyzer = createAnalyzer();
    const byRef = new Map(input.contracts.map(c => [c.entityRef, c]));
    for (const e of input.entities) {
      analyzer.upsert(e, byRef.get(e.ref));
    }
    const first = analyzer.result();
    expect(first).toEqual(analyze(input));
    expect(analyzer.result()).toEqual(first);
    const risk = byRef.get('component:default/risk')!;
    analyzer.upsert(entity('risk', { owner: 'group:default/other' }), risk);
    expect(analyzer.result()).toEqual(
      analyze({
        entities: input.entities.map(e =>
          e.ref === risk.entityRef
            ? entity('risk', { owner: 'group:default/other' })
            : e,
        ),
        contracts: input.contracts,
      }),
    );
  });

  it.each([1, 2, 3, 4, 5, 6])(
    'equals a full run with edits before and after the first result (seed %i)',
    seed => {
      const r = rng(seed);
      const config = { retryAmplificationBound: 6 };
      const analyzer = createAnalyzer({ config });
      const { state, put, edit, full } = randomCatalog(r, analyzer, config);
      const edits = (n: number) => {
        for (let k = 0; k < n; k++) {
          edit();
        }
      };
      for (const name of [...NAMES, ...RESOURCES]) {
        if (r.chance(0.85)) {
          put(name);
        }
      }
      // Before the first result: edits on the loaded catalog.
      edits(25);
      expect(analyzer.result()).toEqual(full());
      // After it: incremental re-evaluation of a few edits at a time.
      for (let round = 0; round < 10; round++) {
        edits(1 + r.int(6));
        expect(analyzer.result()).toEqual(full());
      }
      // Everything removed, then loaded again.
      for (const ref of [...state.keys()]) {
        state.delete(ref);
        analyzer.remove(ref);
      }
      expect(analyzer.result()).toEqual(full());
      for (const name of NAMES) {
        put(name);
      }
      edits(10);
      const result = analyzer.result();
      expect(result).toEqual(full());
      expect(result.findings.length).toBeGreaterThan(0);
    },
  );
});

describe('a finding several anchors report', () => {
  /** Every anchor reports the same finding (same id), titled with the anchor. */
  const shared: ContractRule = {
    id: 'shared',
    title: 'shared',
    defaultSeverity: 'info',
    description: 'the same finding from every anchor',
    evaluate: anchor => [
      {
        consumer: 'component:default/x',
        provider: 'component:default/y',
        subject: 'shared',
        title: anchor.entityRef,
        expected: '',
        actual: '',
        impact: '',
        resolutions: [],
        evidence: [],
        details: [],
      },
    ],
  };

  it('shows the next anchor’s when the shown one’s is edited away', () => {
    const rules = [shared];
    const analyzer = createAnalyzer({ rules });
    for (const name of ['c', 'a', 'b']) {
      analyzer.upsert(entity(name), contract(name));
    }
    expect(analyzer.result().findings.map(f => f.title)).toEqual([
      'component:default/a',
    ]);
    // `a` (the smallest anchor: shown) loses its contract, then `b` too.
    analyzer.upsert(entity('a'));
    expect(analyzer.result().findings.map(f => f.title)).toEqual([
      'component:default/b',
    ]);
    analyzer.upsert(entity('b'));
    const { findings } = analyzer.result();
    expect(findings.map(f => f.title)).toEqual(['component:default/c']);
    expect(findings).toEqual(
      analyze({
        entities: ['a', 'b', 'c'].map(n => entity(n)),
        contracts: [contract('c')],
        rules,
      }).findings,
    );
  });
});
