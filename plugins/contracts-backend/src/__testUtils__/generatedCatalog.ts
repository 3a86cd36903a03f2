import type { Entity } from '@backstage/catalog-model';
import { CONTRACTS_SPEC_ANNOTATION } from '@backstage-contracts/plugin-contracts-common';

/** Deterministic random numbers (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LAYERS = 6;

/**
 * A layered catalog of `n` components with inline contracts, as the catalog serves them (the
 * shape of contracts-common's benchmark catalog): each layer calls two services of the next, 3%
 * of calls go back up (cycles), every service derives a dataset from the next layer, reads one
 * from there and needs data from a random service. About 2% of values disagree, so there are
 * findings of most rules; the rules do about as much work per entity as on a real catalog.
 */
export function generatedEntities(n: number, seed = 42): Entity[] {
  const rand = rng(seed);
  const int = (k: number) => Math.floor(rand() * k);
  const bad = () => rand() < 0.02;
  const name = (i: number) => `svc-${i}`;
  const layerOf = (i: number) => Math.floor((i * LAYERS) / n);
  const start = (l: number) => Math.ceil((l * n) / LAYERS);
  const inLayer = (l: number) => start(l) + int(start(l + 1) - start(l));
  const p95max: number[] = [];
  const timeout: number[] = [];
  for (let l = LAYERS - 1; l >= 0; l--) {
    p95max[l] = l === LAYERS - 1 ? 20 : 2 * p95max[l + 1] + 20;
    const below = l === LAYERS - 1 ? 0 : 3 * timeout[l + 1];
    timeout[l] = Math.max(below, 2 * p95max[l]) + 100;
  }
  const entities: Entity[] = [];
  for (let i = 0; i < n; i++) {
    const l = layerOf(i);
    const leaf = l === LAYERS - 1;
    const next = leaf ? l : l + 1;
    const callee = () =>
      rand() < 0.03 ? int(Math.max(1, start(l + 1))) : inLayer(next);
    const calls = [...new Set(leaf ? [] : [callee(), callee()])].filter(
      t => t !== i,
    );
    const derived = inLayer(next);
    const reads = inLayer(next);
    const needs = int(n);
    const p95 = p95max[l] - int(10);
    const fresh = 10 * (LAYERS - l);
    const lines = [`service: ${name(i)}`];
    if (calls.length) {
      lines.push(
        'depends_on:',
        ...calls.flatMap(t => [
          `  - service: ${name(t)}`,
          '    operation: handle',
          `    latency_budget: { acceptable: p95 < ${
            bad() ? 5 : p95max[layerOf(t)] + 10
          }ms }`,
          `    timeout: ${bad() ? 10 : timeout[l]}ms`,
        ]),
        'retry_policies:',
        `  - target: ${name(calls[0])}.handle`,
        `    on_timeout: { generates_new_request_id: ${bad()} }`,
        `    max_attempts: ${rand() < 0.1 ? 3 : 1}`,
      );
    }
    lines.push(
      'provides:',
      '  - operation: handle',
      `    latency: { current: "p50=${Math.round(
        p95 / 3,
      )}ms, p95=${p95}ms, p99=${2 * p95}ms" }`,
      '  - dataset: events',
      `    freshness: ${bad() ? 1 : fresh}s`,
      `    derived_from: [{ source: ${name(derived)}, dataset: events }]`,
      '  - endpoint: /detail',
      '    returns: full_breakdown',
      '    data: [detail]',
      `    access: ${bad() ? 'owners_only' : 'any'}`,
      'data_dependencies:',
      `  - source: ${name(reads)}`,
      '    dataset: events',
      `    freshness_required: <${bad() ? 1 : fresh + 20}s`,
      'operations:',
      '  - name: handle',
      '    idempotency_key: request_id',
      '    expects: stable_across_retries',
      '    window: 10m',
      'requires:',
      `  - from: ${name(needs)}`,
      '    data: detail',
      '    access_level: support',
      '',
    );
    const dependsOn = [...new Set([...calls, reads, needs, derived])]
      .filter(t => t !== i && !bad())
      .map(t => `component:default/${name(t)}`);
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: name(i),
        namespace: 'default',
        etag: `${seed}-${i}`,
        annotations: { [CONTRACTS_SPEC_ANNOTATION]: lines.join('\n') },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: `group:default/team-${i % 50}`,
        dependsOn,
      },
    });
  }
  return entities;
}
