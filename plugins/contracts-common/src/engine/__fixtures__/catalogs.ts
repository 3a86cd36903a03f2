/*
 * Catalogs for the engine's tests: a consistent multi-team catalog, random catalogs kept beside
 * an analyzer, and a generated layered catalog with findings of every kind.
 */
import type { EntityContract, EntitySummary } from '../../types';
import { analyze } from '../engine';
import {
  bound,
  contract,
  dataDep,
  dataset,
  dep,
  endpoint,
  entity,
  idem,
  op,
  policy,
  requires,
} from '../testUtils';
import type { Analyzer, EngineConfig } from '../types';

/** A multi-team catalog whose contracts all agree. */
export function consistentCatalog(): {
  entities: EntitySummary[];
  contracts: EntityContract[];
} {
  const entities = [
    entity('web', { dependsOn: ['checkout', 'search'] }),
    entity('checkout', { dependsOn: ['risk', 'payment'] }),
    entity('risk', { dependsOn: ['features', 'resource:default/orders-db'] }),
    entity('features', { dependsOn: ['orders'] }),
    entity('payment', { dependsOn: ['ledger'] }),
    entity('ledger'),
    entity('search', { dependsOn: ['catalog'] }),
    entity('catalog'),
    entity('orders', { dependsOn: ['resource:default/orders-db'] }),
    entity('orders-db', {
      kind: 'Resource',
      ref: 'resource:default/orders-db',
    }),
    entity('support', { dependsOn: ['risk'] }),
  ];
  const contracts = [
    contract('web', {
      dependsOn: [
        dep('checkout', 'placeOrder', {
          budget: [bound('acceptable', 95, 2000)],
          timeoutMs: 5000,
        }),
        dep('search', 'query', {
          budget: [bound('acceptable', 95, 300), bound('maximum', 99, 800)],
          timeoutMs: 1500,
        }),
      ],
    }),
    contract('checkout', {
      operations: [op('placeOrder', { 50: 400, 95: 900, 99: 1500 })],
      dependsOn: [
        dep('risk', 'scoreTransaction', {
          budget: [
            bound('target', 50, 100),
            bound('acceptable', 95, 200),
            bound('maximum', 99, 500),
          ],
          timeoutMs: 600,
          fallback: 'allow_with_monitoring',
        }),
        dep('payment', 'authorize', {
          budget: [bound('acceptable', 95, 600)],
          timeoutMs: 2000,
        }),
      ],
      retryPolicies: [
        policy('risk.scoreTransaction', {
          newRequestIdOnTimeout: false,
          maxAttempts: 2,
          backoff: 'exponential 100ms',
        }),
      ],
    }),
    contract('risk', {
      operations: [op('scoreTransaction', { 50: 60, 95: 150, 99: 400 })],
      idempotency: [
        idem('scoreTransaction', 'transaction_id', { windowMs: 300_000 }),
      ],
      dependsOn: [dep('features', 'lookup', { timeoutMs: 300 })],
      dataDependencies: [
        dataDep('orders-db', 'user_purchases', 10_000, {
          reason: 'velocity_fraud_detection',
        }),
      ],
      endpoints: [
        endpoint('/fraud-score', {
          returns: 'aggregate_only',
          data: ['fraud_score'],
        }),
        endpoint('/fraud-summary', {
          data: ['fraud_decision_breakdown'],
          access: 'support_tier_2',
          pii: 'minimal',
        }),
        endpoint('/fraud-signals-detailed', {
          data: ['fraud_signals'],
          access: 'risk_team_only',
          pii: 'high',
        }),
      ],
    }),
    contract('features', {
      operations: [op('lookup', { 50: 10, 95: 40, 99: 90 })],
      datasets: [
        dataset('velocity', {
          freshness: { maxMs: 30_000 },
          derivedFrom: [['orders', 'user_purchases']],
        }),
      ],
    }),
    contract('orders', {
      datasets: [
        dataset('user_purchases', {
          via: 'event_stream',
          freshness: { typicalMinMs: 500, typicalMaxMs: 2000, maxMs: 5000 },
        }),
      ],
    }),
    contract('payment', {
      operations: [op('authorize', { 50: 200, 95: 450, 99: 900 })],
      dependsOn: [dep('ledger', 'record', { timeoutMs: 1000 })],
    }),
    contract('ledger', {
      operations: [op('record', { 95: 50 })],
      idempotency: [idem('record', 'payment_id', { windowMs: 86_400_000 })],
    }),
    contract('search', {
      operations: [op('query', { 95: 250, 99: 600 })],
      dependsOn: [
        dep('catalog', 'items', {
          timeoutMs: 400,
          retry: { raw: '3', maxAttempts: 3 },
        }),
      ],
    }),
    contract('catalog', { operations: [op('items', { 95: 80, 99: 120 })] }),
    contract('support', {
      requires: [
        requires(
          'risk',
          'fraud_decision_breakdown',
          'support_tier_2',
          'dispute_resolution',
        ),
      ],
    }),
  ];
  return { entities, contracts };
}

/** A small seeded random generator (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}

export const NAMES = Array.from({ length: 14 }, (_, i) => `s${i}`);
export const RESOURCES = ['db0', 'db1', 'db2'];
const OPS = ['a', 'b', 'c'];
const DATASETS = ['x', 'y', 'z'];
const DATA = ['p', 'q'];
const LEVELS = ['l1', 'l2'];

type R = ReturnType<typeof rng>;

function randomEntity(r: R, name: string): EntitySummary {
  const resource = RESOURCES.includes(name);
  const targets = () =>
    Array.from({ length: r.int(3) }, () =>
      r.chance(0.3)
        ? `resource:default/${r.pick(RESOURCES)}`
        : `component:default/${r.pick(NAMES)}`,
    );
  return entity(name, {
    kind: resource ? 'Resource' : 'Component',
    ref: resource ? `resource:default/${name}` : undefined,
    owner: `group:default/team${r.int(4)}`,
    dependsOn: targets(),
    dependencyOf: r.chance(0.3) ? targets() : [],
  });
}

function randomContract(r: R, name: string): EntityContract {
  const lat = (): Record<number, number> => {
    const l: Record<number, number> = {
      50: 10 + r.int(200),
      95: 200 + r.int(800),
    };
    if (r.chance(0.5)) {
      l[99] = 1000 + r.int(2000);
    }
    return l;
  };
  const service = () =>
    r.chance(0.1) ? 'ghost' : r.pick([...NAMES, ...NAMES, ...RESOURCES]);
  const fresh = () =>
    r.chance(0.7) ? { maxMs: 1000 * (1 + r.int(60)) } : undefined;
  return contract(name, {
    dependsOn: Array.from({ length: r.int(4) }, () =>
      dep(service(), r.chance(0.9) ? r.pick(OPS) : undefined, {
        budget: r.chance(0.7)
          ? [
              bound(
                r.pick(['acceptable', 'maximum', 'target']),
                r.pick([50, 95, 99]),
                50 + r.int(1500),
              ),
            ]
          : [],
        timeoutMs: r.chance(0.6) ? 100 + r.int(3000) : undefined,
        retry: r.chance(0.4)
          ? { raw: 'n', maxAttempts: 1 + r.int(4) }
          : undefined,
      }),
    ),
    operations: OPS.filter(() => r.chance(0.5)).map(o =>
      op(o, r.chance(0.8) ? lat() : {}),
    ),
    idempotency: OPS.filter(() => r.chance(0.3)).map(o =>
      idem(o, 'k', { windowMs: r.chance(0.5) ? 1000 * r.int(600) : undefined }),
    ),
    retryPolicies: Array.from({ length: r.int(2) }, () =>
      policy(`${service()}.${r.pick(OPS)}`, {
        newRequestIdOnTimeout: r.chance(0.5),
        maxAttempts: r.chance(0.5) ? 1 + r.int(4) : undefined,
        backoff: r.chance(0.5) ? 'exponential 1s' : undefined,
      }),
    ),
    datasets: DATASETS.filter(() => r.chance(0.4)).map(d =>
      dataset(d, {
        freshness: fresh(),
        via: r.pick(['database_replica', 'event_stream', undefined]),
        derivedFrom: Array.from(
          { length: r.int(3) },
          () => [service(), r.pick(DATASETS)] as [string, string],
        ),
      }),
    ),
    dataDependencies: Array.from({ length: r.int(3) }, () =>
      dataDep(service(), r.pick(DATASETS), 1000 * (1 + r.int(60))),
    ),
    endpoints: Array.from({ length: r.int(3) }, (_, i) =>
      endpoint(`/e${i}`, {
        data: r.chance(0.5) ? [r.pick(DATA)] : [],
        returns: r.pick(['full_breakdown', 'aggregate_only', undefined]),
        access: r.pick([undefined, 'any', ...LEVELS]),
        pii: r.pick([undefined, 'high']),
      }),
    ),
    requires: Array.from({ length: r.int(2) }, () =>
      requires(service(), r.pick(DATA), r.pick([undefined, ...LEVELS])),
    ),
  });
}

/**
 * A random catalog kept beside an analyzer: `put` a random entity (with a random contract, but
 * for resources and 20 % of the others), `edit` one at random (remove it, change only its
 * catalog side, or put it again), `full()`: a full analysis of the current state.
 */
export function randomCatalog(r: R, analyzer: Analyzer, config?: EngineConfig) {
  const state = new Map<
    string,
    { entity: EntitySummary; contract?: EntityContract }
  >();
  const put = (name: string) => {
    const e = randomEntity(r, name);
    const c =
      RESOURCES.includes(name) || r.chance(0.2)
        ? undefined
        : randomContract(r, name);
    state.set(e.ref, { entity: e, contract: c });
    analyzer.upsert(e, c);
  };
  const edit = () => {
    const name = r.pick([...NAMES, ...RESOURCES]);
    const ref = RESOURCES.includes(name)
      ? `resource:default/${name}`
      : `component:default/${name}`;
    const existing = state.get(ref);
    const action = r.int(4);
    if (action === 0 && existing) {
      state.delete(ref);
      analyzer.remove(ref);
    } else if (action === 1 && existing) {
      // only the catalog side changes
      const e = randomEntity(r, name);
      state.set(ref, { entity: e, contract: existing.contract });
      analyzer.upsert(e, existing.contract);
    } else {
      put(name);
    }
  };
  const full = () =>
    analyze({
      entities: [...state.values()].map(x => x.entity),
      contracts: [...state.values()].flatMap(x =>
        x.contract ? [x.contract] : [],
      ),
      config,
    });
  return { state, put, edit, full };
}

/**
 * A generated layered catalog of `n` services: each calls two of the next layer (some calls go
 * back up, so cycles form), reads and derives a dataset from there, and needs data of a random
 * service; about one value in ten disagrees, so there are findings of every kind.
 */
export function generatedCatalog(n: number, seed = 1) {
  const r = rng(seed);
  const layers = 5;
  const layerOf = (i: number) => Math.floor((i * layers) / n);
  const name = (i: number) => `g${i}`;
  const below = (i: number) => {
    const l = Math.min(layerOf(i) + 1, layers - 1);
    const start = Math.ceil((l * n) / layers);
    const end = Math.ceil(((l + 1) * n) / layers);
    return r.chance(0.05) ? r.int(n) : start + r.int(end - start);
  };
  const entities: EntitySummary[] = [];
  const contracts: EntityContract[] = [];
  for (let i = 0; i < n; i++) {
    const deps = [below(i), below(i)];
    entities.push(
      entity(name(i), {
        owner: `group:default/team${i % 7}`,
        dependsOn: r.chance(0.8) ? deps.map(name) : [name(below(i))],
      }),
    );
    if (r.chance(0.1)) {
      continue; // no contract
    }
    const depth = layers - layerOf(i);
    const off = () => (r.chance(0.1) ? 3 : 1);
    contracts.push(
      contract(name(i), {
        dependsOn: deps.map(d =>
          dep(name(d), 'call', {
            budget: [bound('acceptable', 95, 100 * depth * off())],
            timeoutMs: 150 * depth * off(),
            retry: r.chance(0.3)
              ? { raw: 'n', maxAttempts: 2 + r.int(3) }
              : undefined,
          }),
        ),
        operations: [
          op('call', { 50: 10 * depth, 95: 60 * depth, 99: 90 * depth }),
        ],
        idempotency: r.chance(0.2)
          ? [idem('call', 'k', { windowMs: 60_000 })]
          : [],
        retryPolicies: r.chance(0.2)
          ? [
              policy(`${name(deps[0])}.call`, {
                newRequestIdOnTimeout: r.chance(0.5),
                maxAttempts: 2,
              }),
            ]
          : [],
        datasets: [
          dataset('d', {
            freshness: { maxMs: 1000 * (layers - depth + 1) * off() },
            derivedFrom: [[name(deps[1]), 'd']],
          }),
        ],
        dataDependencies: [dataDep(name(deps[1]), 'd', 1000 * depth)],
        endpoints: r.chance(0.3)
          ? [endpoint('/e', { data: ['p'], access: r.pick(['l1', 'any']) })]
          : [],
        requires: r.chance(0.2)
          ? [requires(name(r.int(n)), 'p', r.pick([undefined, 'l1', 'l2']))]
          : [],
      }),
    );
  }
  return { entities, contracts };
}
