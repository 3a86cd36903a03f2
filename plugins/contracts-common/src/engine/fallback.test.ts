/*
 * The built-in rules run the same over any RuleContext: through the engine's own context they
 * take slot-based shortcuts, through another implementation the general paths. Both must give
 * the same findings, in full and incremental analysis.
 */
import { analyze, createAnalyzer, defaultRules } from '.';
import type { EntityContract, EntitySummary } from '../types';
import type { ContractRule, RuleContext } from './types';
import {
  bound,
  contract,
  dataDep,
  dataset,
  dep,
  entity,
  essayCatalog,
  op,
  policy,
} from './testUtils';

/** A RuleContext of its own, delegating to the engine's: no shortcut applies. */
function plain(ctx: RuleContext): RuleContext {
  return {
    settings: ctx.settings,
    entity: r => ctx.entity(r),
    contract: r => ctx.contract(r),
    resolve: r => ctx.resolve(r),
    tiedEntities: r => ctx.tiedEntities(r),
    catalogDependencies: r => ctx.catalogDependencies(r),
    operation: (r, n) => ctx.operation(r, n),
    idempotency: (r, n) => ctx.idempotency(r, n),
    dataset: (r, n) => ctx.dataset(r, n),
    findDataset: (r, d) => ctx.findDataset(r, d),
    memo: <T>(key: string, compute: () => T, about?: string | object) =>
      ctx.memo(key, compute, about),
  };
}

const throughPlain: ContractRule[] = defaultRules.map(rule => ({
  ...rule,
  evaluate: (anchor, ctx) => rule.evaluate(anchor, plain(ctx)),
}));

/** Chains, a cycle, undeclared latencies and timeouts, retries: every walk has work. */
function chainCatalog(): {
  entities: EntitySummary[];
  contracts: EntityContract[];
} {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const contracts = [
    contract('a', {
      dependsOn: [
        dep('b', 'run', {
          budget: [bound('acceptable', 95, 100), bound('maximum', 99, 150)],
          timeoutMs: 200,
          retry: { raw: '3', maxAttempts: 3 },
        }),
      ],
      retryPolicies: [policy('b.run', { maxAttempts: 3 })],
      dataDependencies: [dataDep('c', 'events', 1000)],
    }),
    contract('b', {
      // no latency of its own: bounded through c and d
      operations: [op('run', {})],
      dependsOn: [
        dep('c', 'run', { retry: { raw: '2', maxAttempts: 2 } }),
        dep('d', 'run', { timeoutMs: 900 }),
      ],
      retryPolicies: [policy('c.run', { maxAttempts: 2 })],
    }),
    contract('c', {
      operations: [op('run', {})],
      dependsOn: [dep('e', 'run', { retry: { raw: '2', maxAttempts: 2 } })],
      retryPolicies: [policy('e.run', { maxAttempts: 2 })],
      datasets: [dataset('events', { derivedFrom: [['d', 'raw']] })],
    }),
    contract('d', {
      operations: [op('run', { 95: 300, 99: 700 })],
      dependsOn: [dep('b', 'run', { timeoutMs: 50 })],
      datasets: [
        dataset('raw', {
          freshness: { maxMs: 60_000 },
          derivedFrom: [['e', 'raw']],
        }),
      ],
    }),
    contract('e', {
      operations: [op('run', { 50: 40, 95: 400 })],
      dependsOn: [dep('c', 'run', { retry: { raw: '2', maxAttempts: 2 } })],
      datasets: [dataset('raw', { freshness: { maxMs: 5_000 } })],
    }),
  ];
  return {
    entities: names.map(n => entity(n, { dependsOn: n === 'a' ? ['b'] : [] })),
    contracts,
  };
}

describe('built-in rules through another RuleContext', () => {
  it.each([
    ['the essay catalog', essayCatalog],
    ['a catalog of chains and cycles', chainCatalog],
  ])('find the same in %s', (_, catalog) => {
    const { entities, contracts } = catalog();
    const engine = analyze({ entities, contracts });
    expect(engine.findings.length).toBeGreaterThan(0);
    expect(analyze({ entities, contracts, rules: throughPlain })).toEqual(
      engine,
    );
  });

  it('find the same incrementally as in full', () => {
    const { entities, contracts } = chainCatalog();
    const analyzer = createAnalyzer({ rules: throughPlain });
    const byRef = new Map(contracts.map(c => [c.entityRef, c]));
    for (const e of entities) {
      analyzer.upsert(e, byRef.get(e.ref));
    }
    expect(analyzer.result()).toEqual(analyze({ entities, contracts }));
    // d gets slower: chains through it change
    const d = byRef.get('component:default/d')!;
    const slower = { ...d, operations: [op('run', { 95: 3000, 99: 7000 })] };
    analyzer.upsert(entities[3], slower);
    const edited = contracts.map(c => (c === d ? slower : c));
    expect(analyzer.result()).toEqual(analyze({ entities, contracts: edited }));
  });
});
