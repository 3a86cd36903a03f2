/*
 * Builders of normalized contracts for the engine's tests (what the parser produces).
 */
import type {
  ContractDependency,
  DataDependency,
  DataRequirement,
  EntityContract,
  EntitySummary,
  Freshness,
  IdempotencySpec,
  LatencyBound,
  ProvidedDataset,
  ProvidedEndpoint,
  ProvidedOperation,
  RetryPolicy,
} from '../types';
import { analyze } from './engine';
import type { EngineConfig } from './types';

export const ref = (name: string, kind = 'component') =>
  name.includes(':') ? name : `${kind}:default/${name}`;

const loc = (path: string) => ({
  file: 'contracts/test.yaml',
  line: 1,
  column: 1,
  path,
});

export function entity(
  name: string,
  opts: Partial<Omit<EntitySummary, 'name'>> = {},
): EntitySummary {
  const r = opts.ref ?? ref(name, opts.kind?.toLowerCase());
  return {
    ref: r,
    kind: opts.kind ?? 'Component',
    namespace: 'default',
    name: r.slice(r.indexOf('/') + 1),
    owner: opts.owner ?? `group:default/${r.slice(r.indexOf('/') + 1)}-team`,
    system: opts.system,
    dependsOn: (opts.dependsOn ?? []).map(d => ref(d)),
    dependencyOf: (opts.dependencyOf ?? []).map(d => ref(d)),
  };
}

export function contract(
  name: string,
  parts: Partial<Omit<EntityContract, 'entityRef'>> = {},
): EntityContract {
  return {
    entityRef: ref(name),
    dependsOn: [],
    operations: [],
    datasets: [],
    endpoints: [],
    dataDependencies: [],
    retryPolicies: [],
    idempotency: [],
    requires: [],
    sources: ['contracts/test.yaml'],
    ...parts,
  };
}

/** `bound('acceptable', 95, 200)` */
export function bound(
  level: LatencyBound['level'],
  percentile: number,
  ms: number,
): LatencyBound {
  return {
    level,
    percentile,
    ms,
    raw: `p${percentile} < ${ms}ms`,
    loc: loc(`depends_on[0].latency_budget.${level}`),
  };
}

export function dep(
  service: string,
  operation: string | undefined,
  opts: Partial<Omit<ContractDependency, 'service' | 'ref' | 'operation'>> = {},
): ContractDependency {
  return {
    service,
    ref: ref(service),
    operation,
    budget: [],
    loc: loc('depends_on[0]'),
    ...opts,
  };
}

export function op(
  name: string,
  current: Record<number, number>,
  target: Record<number, number> = {},
  targetNote?: string,
): ProvidedOperation {
  const lat = (r: Record<number, number>) =>
    Object.entries(r).map(([p, ms]) => ({ percentile: Number(p), ms }));
  return {
    name,
    current: lat(current),
    target: lat(target),
    targetNote,
    loc: loc('provides[0]'),
  };
}

export function dataset(
  name: string,
  opts: {
    freshness?: Partial<Freshness>;
    via?: string;
    derivedFrom?: Array<[string, string]>;
  } = {},
): ProvidedDataset {
  return {
    name,
    via: opts.via,
    freshness: opts.freshness && { raw: 'test', ...opts.freshness },
    derivedFrom: (opts.derivedFrom ?? []).map(([source, ds]) => ({
      source,
      ref: ref(source),
      dataset: ds,
      loc: loc('provides[0].derived_from[0]'),
    })),
    loc: loc('provides[0]'),
  };
}

export function dataDep(
  source: string,
  ds: string,
  freshnessRequiredMs = 10_000,
  opts: Partial<DataDependency> = {},
): DataDependency {
  return {
    source,
    ref: ref(source),
    dataset: ds,
    freshnessRequiredMs,
    freshnessRaw: `<${freshnessRequiredMs / 1000}s`,
    loc: loc('data_dependencies[0]'),
    ...opts,
  };
}

export function policy(
  target: string,
  opts: Partial<RetryPolicy> = {},
): RetryPolicy {
  const [service, operation] = target.split('.');
  return {
    target,
    ref: ref(service),
    operation,
    loc: loc('retry_policies[0]'),
    ...opts,
  };
}

export function idem(
  name: string,
  idempotencyKey: string,
  opts: Partial<IdempotencySpec> = {},
): IdempotencySpec {
  return {
    name,
    idempotencyKey,
    expects: 'stable_across_retries',
    loc: loc('operations[0]'),
    ...opts,
  };
}

export function endpoint(
  path: string,
  opts: Partial<ProvidedEndpoint> = {},
): ProvidedEndpoint {
  return { path, data: [], loc: loc('provides[0]'), ...opts };
}

export function requires(
  from: string,
  data: string,
  accessLevel?: string,
  useCase?: string,
): DataRequirement {
  return {
    from,
    ref: ref(from),
    data,
    accessLevel,
    useCase,
    loc: loc('requires[0]'),
  };
}

/** Analyzes contracts; every contract's entity exists, plus the extra entities given. */
export function run(
  contracts: EntityContract[],
  opts: { entities?: EntitySummary[]; config?: EngineConfig } = {},
) {
  const entities = new Map<string, EntitySummary>();
  for (const e of opts.entities ?? []) {
    entities.set(e.ref, e);
  }
  for (const c of contracts) {
    if (!entities.has(c.entityRef)) {
      entities.set(c.entityRef, entity(c.entityRef));
    }
  }
  return analyze({
    entities: [...entities.values()],
    contracts,
    config: opts.config,
  });
}

/** The findings of one rule. */
export function findingsOf(
  rule: string,
  contracts: EntityContract[],
  opts: { entities?: EntitySummary[]; config?: EngineConfig } = {},
) {
  return run(contracts, opts).findings.filter(f => f.rule === rule);
}

/**
 * The essay's catalog, as the parser normalizes its YAML blocks.
 */
export function essayCatalog(): {
  entities: EntitySummary[];
  contracts: EntityContract[];
} {
  const entities = [
    entity('checkout', { dependsOn: ['risk', 'payment'] }),
    entity('risk', { dependsOn: ['resource:default/orders-db'] }),
    entity('orders', { dependsOn: ['resource:default/orders-db'] }),
    entity('payment'),
    entity('support', { dependsOn: ['risk'] }),
    entity('orders-db', {
      kind: 'Resource',
      ref: 'resource:default/orders-db',
      owner: 'group:default/orders-team',
    }),
  ];
  const contracts = [
    contract('checkout', {
      dependsOn: [
        dep('risk', 'scoreTransaction', {
          budget: [
            bound('target', 50, 100),
            bound('acceptable', 95, 200),
            bound('maximum', 99, 500),
          ],
          timeoutMs: 500,
          fallback: 'allow_with_monitoring',
          retry: { raw: 'none', maxAttempts: 1 },
        }),
      ],
      retryPolicies: [
        policy('risk.scoreTransaction', {
          newRequestIdOnTimeout: true,
          reason: 'separate_attempts_in_logs',
        }),
      ],
    }),
    contract('risk', {
      operations: [
        op(
          'scoreTransaction',
          { 50: 2800, 95: 3200 },
          { 50: 80, 95: 150 },
          'requires caching',
        ),
      ],
      dataDependencies: [
        dataDep('orders-db', 'user_purchases', 10_000, {
          freshnessRaw: '<10s',
          reason: 'velocity_fraud_detection',
          impactIfStale: 'false_negatives',
        }),
      ],
      idempotency: [
        idem('scoreTransaction', 'transaction_id', { windowMs: 300_000 }),
      ],
      endpoints: [
        endpoint('/fraud-score', { returns: 'aggregate_only', pii: 'minimal' }),
        endpoint('/fraud-signals-detailed', {
          returns: 'full_breakdown',
          access: 'risk_team_only',
          pii: 'high',
        }),
      ],
    }),
    contract('orders', {
      datasets: [
        dataset('user_purchases', {
          via: 'database_replica',
          freshness: {
            typicalMinMs: 15_000,
            typicalMaxMs: 30_000,
            maxMs: 60_000,
            raw: '15-30s typical, 60s max',
          },
        }),
      ],
    }),
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
