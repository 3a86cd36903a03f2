import type { EntityContract } from '../types';
import { analyze } from './engine';
import { fingerprint } from './hash';
import { defaultRules } from './rules';
import { bound, contract, dep, entity, essayCatalog, op } from './testUtils';
import type { ContractRule } from './types';

import { consistentCatalog } from './__fixtures__/catalogs';

describe('analyze', () => {
  it('builds the conflict graph: entities as nodes, contract dependencies as edges with their findings', () => {
    const { entities, contracts } = essayCatalog();
    const { graph, findings } = analyze({ entities, contracts });
    expect(graph.nodes.map(n => n.ref)).toEqual([
      'component:default/checkout',
      'component:default/orders',
      'component:default/payment',
      'component:default/risk',
      'component:default/support',
      'resource:default/orders-db',
    ]);
    expect(graph.nodes.find(n => n.name === 'risk')).toEqual({
      ref: 'component:default/risk',
      kind: 'Component',
      name: 'risk',
      owner: 'group:default/risk-team',
      hasContract: true,
    });
    expect(
      graph.edges.map(e => [e.from, e.to, e.kind, e.subject, e.via]),
    ).toEqual([
      [
        'component:default/checkout',
        'component:default/risk',
        'call',
        'scoreTransaction',
        undefined,
      ],
      [
        'component:default/risk',
        'component:default/orders',
        'dataset',
        'user_purchases',
        'resource:default/orders-db',
      ],
      [
        'component:default/support',
        'component:default/risk',
        'data-need',
        'fraud_decision_breakdown',
        undefined,
      ],
    ]);
    const byId = new Map(findings.map(f => [f.id, f]));
    expect(
      graph.edges[0].findings.map(id => byId.get(id)!.rule).sort(),
    ).toEqual(['idempotency-key', 'latency-budget', 'timeout-below-tail']);
    expect(graph.edges[1].findings.map(id => byId.get(id)!.rule)).toEqual([
      'data-freshness',
    ]);
    expect(graph.edges[2].findings.map(id => byId.get(id)!.rule)).toEqual([
      'access-policy',
    ]);
  });

  it('sorts findings by severity, then rule, consumer, provider, subject', () => {
    const { entities, contracts } = essayCatalog();
    const { findings } = analyze({ entities, contracts });
    expect(findings.map(f => [f.severity, f.rule])).toEqual([
      ['error', 'data-freshness'],
      ['error', 'idempotency-key'],
      ['error', 'latency-budget'],
      ['warning', 'timeout-below-tail'],
      ['tradeoff', 'access-policy'],
    ]);
  });

  it('gives stable ids (fingerprints) and evidence hashes that follow the compared values', () => {
    const { entities, contracts } = essayCatalog();
    const before = analyze({ entities, contracts }).findings.find(
      f => f.rule === 'latency-budget',
    )!;
    expect(before.id).toBe(
      fingerprint(
        'latency-budget',
        'component:default/checkout',
        'component:default/risk',
        'scoreTransaction',
      ),
    );
    expect(before.id).toMatch(/^[0-9a-f]{16}$/);
    const shuffled = analyze({
      entities: [...entities].reverse(),
      contracts: [...contracts].reverse(),
    });
    expect(shuffled.findings.find(f => f.rule === 'latency-budget')).toEqual(
      before,
    );

    const risk = contracts.find(c => c.entityRef.endsWith('/risk'))!;
    const slower: EntityContract = {
      ...risk,
      operations: [
        op(
          'scoreTransaction',
          { 50: 2800, 95: 4000 },
          { 50: 80, 95: 150 },
          'requires caching',
        ),
      ],
    };
    const after = analyze({
      entities,
      contracts: contracts.map(c => (c === risk ? slower : c)),
    }).findings.find(f => f.rule === 'latency-budget')!;
    expect(after.id).toBe(before.id);
    expect(after.evidence).not.toBe(before.evidence);
  });

  it('lets custom rules join the list, and isolates a failing rule', () => {
    const custom: ContractRule = {
      id: 'owner-required',
      title: 'Owner required',
      defaultSeverity: 'warning',
      description: 'Every entity with a contract has an owner.',
      evaluate(anchor, ctx) {
        return ctx.entity(anchor.entityRef)?.owner
          ? []
          : [
              {
                consumer: anchor.entityRef,
                provider: anchor.entityRef,
                subject: 'owner',
                title: 'Owner required',
                expected: 'an owner',
                actual: 'none',
                impact: 'Nobody decides',
                resolutions: [],
                evidence: [],
                details: ['no owner'],
              },
            ];
      },
    };
    const broken: ContractRule = {
      ...custom,
      id: 'broken',
      evaluate: () => {
        throw new Error('boom');
      },
    };
    const { findings } = analyze({
      entities: [{ ...entity('x'), owner: undefined }],
      contracts: [contract('x')],
      rules: [...defaultRules, custom, broken],
    });
    expect(findings.map(f => [f.rule, f.title])).toEqual([
      ['broken', 'Rule evaluation failed'],
      ['owner-required', 'Owner required'],
    ]);
    expect(() =>
      analyze({ entities: [], contracts: [], rules: [custom, custom] }),
    ).toThrow(/Duplicate/);
  });

  it('analyses contracts of entities missing from the entity list', () => {
    const { findings } = analyze({
      entities: [],
      contracts: [
        contract('checkout', {
          dependsOn: [
            dep('risk', 'score', { budget: [bound('acceptable', 95, 200)] }),
          ],
        }),
        contract('risk', { operations: [op('score', { 95: 900 })] }),
      ],
      config: { rules: { 'undeclared-dependency': { enabled: false } } },
    });
    expect(findings.map(f => f.rule)).toEqual(['latency-budget']);
  });
});

describe('a consistent multi-team catalog', () => {
  it('gives no finding at all', () => {
    const { findings, graph } = analyze(consistentCatalog());
    expect(findings).toEqual([]);
    expect(graph.edges.length).toBeGreaterThan(8);
  });
});
