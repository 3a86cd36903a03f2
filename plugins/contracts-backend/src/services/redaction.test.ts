import {
  type Finding,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import { EVERYTHING_VISIBLE, visibleOnly } from './CatalogVisibility';
import {
  decisionRefs,
  findingRefs,
  redactDecision,
  redactDecisions,
  redactFinding,
  redactFindings,
} from './redaction';

const CHECKOUT = 'component:default/checkout';
const RISK = 'component:default/risk';
const ORDERS = 'component:default/orders';

/** checkout → risk, as the engine reports it for the example catalog. */
const latency: Finding = {
  id: '4ad665886b7789f1',
  rule: 'latency-budget',
  severity: 'error',
  status: 'open',
  consumer: CHECKOUT,
  provider: RISK,
  subject: 'scoreTransaction',
  title: 'Latency contract violation',
  expected: 'p95 < 200ms',
  actual: 'p95 = 3200ms (current)',
  impact: 'Checkout waits longer than its acceptable budget (3200ms vs 200ms)',
  resolutions: ['risk: Reach the target p95 = 150ms (requires caching)'],
  evidence: 'd922d640b046b497',
  message:
    'ERROR: Latency contract violation\n  checkout expects: p95 < 200ms\n  risk provides: p95 = 3200ms (current)',
  deciders: ['group:default/checkout-team', 'group:default/risk-team'],
  location: {
    file: 'contracts/dependencies.yaml',
    line: 8,
    column: 19,
    path: 'depends_on[0].latency_budget.acceptable',
    entity: CHECKOUT,
  },
};
/** The values of the finding (the ms, the budget, the action): what a hidden side takes away. */
const values = /3200|200ms|150ms|caching|dependencies\.yaml/;

describe('redactFinding', () => {
  it('gives the finding itself when the caller reads both parties', () => {
    expect(redactFinding(latency, visibleOnly([CHECKOUT, RISK]))).toBe(latency);
    // refs in any case
    expect(
      redactFinding(latency, visibleOnly([CHECKOUT.toUpperCase(), RISK])),
    ).toBe(latency);
    expect(redactFinding(latency, EVERYTHING_VISIBLE)).toBe(latency);
  });

  it('names a hidden provider as an entity the caller cannot see, without any value', () => {
    const shown = redactFinding(latency, visibleOnly([CHECKOUT]))!;
    expect(shown).toEqual({
      id: latency.id,
      rule: latency.rule,
      severity: 'error',
      status: 'open',
      consumer: CHECKOUT,
      provider: HIDDEN_ENTITY,
      subject: 'scoreTransaction',
      title: latency.title,
      expected: '',
      actual: '',
      impact: '',
      resolutions: [],
      evidence: latency.evidence,
      message: latency.title,
      deciders: latency.deciders,
      hidden: ['provider'],
    });
    expect(JSON.stringify(shown)).not.toMatch(values);
    expect(JSON.stringify(shown)).not.toContain(RISK);
  });

  it('names a hidden consumer likewise, and leaves out where it was written', () => {
    const freshness: Finding = {
      ...latency,
      consumer: RISK,
      provider: ORDERS,
      location: { ...latency.location!, entity: RISK },
    };
    const shown = redactFinding(freshness, visibleOnly([ORDERS, CHECKOUT]))!;
    expect(shown).toMatchObject({
      consumer: HIDDEN_ENTITY,
      provider: ORDERS,
      hidden: ['consumer'],
      expected: '',
      actual: '',
    });
    expect(shown).not.toHaveProperty('location');
    expect(JSON.stringify(shown)).not.toMatch(values);
  });

  it('leaves out a finding whose parties are both hidden', () => {
    expect(redactFinding(latency, visibleOnly([ORDERS]))).toBeUndefined();
    expect(redactFinding(latency, visibleOnly([]))).toBeUndefined();
  });

  it('redacts the values computed through a hidden entity of its chain', () => {
    const chained: Finding = {
      ...latency,
      provider: ORDERS,
      chain: [CHECKOUT, RISK, ORDERS],
    };
    const shown = redactFinding(chained, visibleOnly([CHECKOUT, ORDERS]))!;
    expect(shown).toMatchObject({
      consumer: CHECKOUT,
      provider: ORDERS,
      chain: [CHECKOUT, HIDDEN_ENTITY, ORDERS],
      actual: '',
      message: latency.title,
    });
    expect(shown.hidden).toBeUndefined();
    expect(JSON.stringify(shown)).not.toMatch(values);
  });

  it('keeps what the caller was told on top of the finding (status, canAccept)', () => {
    const withAccept = {
      ...latency,
      status: 'accepted' as const,
      canAccept: false,
    };
    expect(redactFinding(withAccept, visibleOnly([CHECKOUT]))).toMatchObject({
      status: 'accepted',
      canAccept: false,
    });
  });
});

describe('redactFindings', () => {
  it('drops the absent findings and gives the list itself to callers who read everything', () => {
    const other = { ...latency, id: 'x', consumer: RISK, provider: ORDERS };
    const list = [latency, other];
    expect(redactFindings(list, EVERYTHING_VISIBLE)).toBe(list);
    const shown = redactFindings(list, visibleOnly([CHECKOUT]));
    expect(shown.map(f => [f.id, f.provider])).toEqual([
      [latency.id, HIDDEN_ENTITY],
    ]);
  });
});

describe('redactDecision', () => {
  const decision = {
    id: 'd1',
    findingId: latency.id,
    consumer: CHECKOUT,
    provider: RISK,
    title: 'Cache the score',
    deciders: ['group:default/checkout-team', 'group:default/risk-team'],
  };

  it('replaces the hidden party, and is absent when both are hidden', () => {
    expect(redactDecision(decision, visibleOnly([CHECKOUT, RISK]))).toBe(
      decision,
    );
    expect(redactDecision(decision, visibleOnly([CHECKOUT]))).toEqual({
      ...decision,
      provider: HIDDEN_ENTITY,
    });
    expect(redactDecision(decision, visibleOnly([RISK]))).toEqual({
      ...decision,
      consumer: HIDDEN_ENTITY,
    });
    expect(redactDecision(decision, visibleOnly([ORDERS]))).toBeUndefined();
    expect(redactDecision(decision, EVERYTHING_VISIBLE)).toBe(decision);
  });

  it('drops the absent records of a list', () => {
    const other = { ...decision, id: 'd2', consumer: ORDERS };
    expect(
      redactDecisions([decision, other], visibleOnly([CHECKOUT])).map(
        d => d.id,
      ),
    ).toEqual(['d1']);
  });
});

describe('the refs a caller must be able to read', () => {
  it('are the parties, the chain and where the finding was written', () => {
    expect(
      findingRefs({ ...latency, chain: [CHECKOUT, ORDERS, RISK] }).sort(),
    ).toEqual([CHECKOUT, CHECKOUT, CHECKOUT, ORDERS, RISK, RISK].sort());
    expect(decisionRefs({ consumer: CHECKOUT, provider: RISK })).toEqual([
      CHECKOUT,
      RISK,
    ]);
  });
});
