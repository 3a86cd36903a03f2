/*
 * An entity's contract as one YAML document: the starting point of the what-if editor when the
 * contract lives in files behind `contracts.io/ref` (the portal has the contract as the
 * backend read it, not the files). Values are written as they were written where the parser
 * kept the text (budgets, latencies, freshness, retries), so that checking the document
 * unchanged gives today's findings.
 */
import { parseEntityRef } from '@backstage/catalog-model';
import { formatMs } from '@backstage-contracts/plugin-contracts-common';
import type {
  ContractDependency,
  EntityContract,
  LatencyBound,
  PercentileLatency,
} from '@backstage-contracts/plugin-contracts-common';

type Value = string | number | boolean | undefined | Value[] | Fields;
type Fields = Array<[string, Value]>;

const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_ ./@%=<>,()+-]*$/;

/** A scalar as YAML: plain when it reads back as the same string, else double-quoted. */
function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const plain =
    PLAIN.test(value) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(value) &&
    !/^[0-9.+-]+$/.test(value) &&
    !value.endsWith(' ') &&
    !value.includes(' #');
  return plain ? value : JSON.stringify(value);
}

function emit(fields: Fields, indent: string, out: string[], first = indent) {
  let lead = first;
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (isFields(value)) {
      out.push(`${lead}${key}:`);
      emit(value, `${indent}  `, out);
    } else if (Array.isArray(value)) {
      out.push(`${lead}${key}:`);
      for (const item of value as Value[]) {
        if (isFields(item)) {
          emit(item, `${indent}    `, out, `${indent}  - `);
        } else if (item !== undefined && !Array.isArray(item)) {
          out.push(`${indent}  - ${scalar(item)}`);
        }
      }
    } else {
      out.push(`${lead}${key}: ${scalar(value)}`);
    }
    lead = indent;
  }
}

function isFields(value: Value): value is Fields {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      v => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string',
    )
  );
}

const latencies = (list: PercentileLatency[]) =>
  list.map(l => `p${l.percentile}=${formatMs(l.ms)}`).join(', ');

/** `latency_budget`: each level's bounds as written (`acceptable: p95 < 200ms`). */
function budget(bounds: LatencyBound[]): Fields | undefined {
  if (bounds.length === 0) return undefined;
  const fields: Fields = [];
  for (const level of ['target', 'acceptable', 'maximum'] as const) {
    const at = bounds.filter(b => b.level === level);
    if (at.length) fields.push([level, at.map(b => b.raw).join(', ')]);
  }
  for (const b of bounds.filter(x => x.level === 'budget')) {
    fields.push([`p${b.percentile}`, formatMs(b.ms)]);
  }
  return fields;
}

/** `retry` of a dependency: as written (`none`, `3`, or its mapping, rebuilt from its values). */
function retry(r: ContractDependency['retry']): Value {
  if (!r) return undefined;
  if (!r.raw.startsWith('{')) return r.raw;
  return [
    ['max_attempts', r.maxAttempts],
    ['backoff', r.backoff],
    [
      'per_try_timeout',
      r.perTryTimeoutMs === undefined ? undefined : formatMs(r.perTryTimeoutMs),
    ],
    ['retry_on', r.retryOn],
  ];
}

/** The name a contract document uses for a ref of the same namespace: `risk`; else the full ref. */
function nameOf(ref: string, own: { namespace: string }): string {
  try {
    const parsed = parseEntityRef(ref);
    return parsed.namespace === own.namespace && parsed.kind === 'component'
      ? parsed.name
      : ref;
  } catch {
    return ref;
  }
}

/**
 * The contract as one YAML document that the parser reads back into the same contract (its
 * declared values; Prometheus bindings and discovered or imported marks are left out).
 */
export function contractToYaml(contract: EntityContract): string {
  let own = { namespace: 'default', name: contract.entityRef };
  try {
    own = parseEntityRef(contract.entityRef);
  } catch {
    // keep the ref as the service name
  }
  const ref = (r: string) => nameOf(r, own);
  const provides: Value[] = [
    ...contract.operations.map(
      (op): Fields => [
        ['operation', op.name],
        ['availability', op.availability?.raw],
        [
          'latency',
          op.current.length || op.target.length
            ? [
                [
                  'current',
                  op.current.length
                    ? op.currentRaw ?? latencies(op.current)
                    : undefined,
                ],
                [
                  'target',
                  op.target.length
                    ? op.targetRaw ?? latencies(op.target)
                    : undefined,
                ],
              ]
            : undefined,
        ],
      ],
    ),
    ...contract.datasets.map(
      (d): Fields => [
        ['dataset', d.name],
        ['via', d.via],
        ['freshness', d.freshness?.raw],
        [
          'derived_from',
          d.derivedFrom.map(
            (s): Fields => [
              ['source', ref(s.ref)],
              ['dataset', s.dataset],
            ],
          ),
        ],
        ['pii', d.pii],
        ['access', d.access],
        ['purposes', d.allowedUse],
      ],
    ),
    ...contract.endpoints.map(
      (e): Fields => [
        ['endpoint', e.path],
        ['returns', e.returns],
        ['data', e.data],
        ['pii', e.pii],
        ['access', e.access],
        ['purposes', e.allowedUse],
      ],
    ),
  ];
  const doc: Fields = [
    ['service', own.name],
    ['availability', contract.availability?.raw],
    [
      'depends_on',
      contract.dependsOn.map(
        (d): Fields => [
          ['service', ref(d.ref)],
          ['operation', d.operation],
          ['latency_budget', budget(d.budget)],
          [
            'timeout',
            d.timeoutMs === undefined ? undefined : formatMs(d.timeoutMs),
          ],
          ['fallback', d.fallback],
          ['retry', retry(d.retry)],
        ],
      ),
    ],
    ['provides', provides],
    [
      'data_dependencies',
      contract.dataDependencies.map(
        (d): Fields => [
          ['source', ref(d.ref)],
          ['dataset', d.dataset],
          ['freshness_required', d.freshnessRaw],
          ['reason', d.reason],
          ['impact_if_stale', d.impactIfStale],
        ],
      ),
    ],
    [
      'retry_policies',
      contract.retryPolicies.map(
        (p): Fields => [
          ['target', p.operation ? `${ref(p.ref)}.${p.operation}` : ref(p.ref)],
          [
            'on_timeout',
            p.newRequestIdOnTimeout === undefined
              ? undefined
              : [['generates_new_request_id', p.newRequestIdOnTimeout]],
          ],
          ['max_attempts', p.maxAttempts],
          ['backoff', p.backoff],
          ['reason', p.reason],
        ],
      ),
    ],
    [
      'operations',
      contract.idempotency.map(
        (o): Fields => [
          ['name', o.name],
          ['idempotency_key', o.idempotencyKey],
          ['expects', o.expects],
          [
            'window',
            o.windowMs === undefined ? undefined : formatMs(o.windowMs),
          ],
        ],
      ),
    ],
    [
      'requires',
      contract.requires.map(
        (r): Fields => [
          ['from', ref(r.ref)],
          ['data', r.data],
          ['access_level', r.accessLevel],
          ['use_case', r.useCase],
        ],
      ),
    ],
  ];
  const out: string[] = [];
  emit(doc, '', out);
  return `${out.join('\n')}\n`;
}
