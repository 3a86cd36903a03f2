/*
 * What changed between two versions of an entity's contract: the hash that tells whether it
 * changed, and the changes as short structured statements ("raised p95 (current) of operation
 * scoreTransaction from 900ms to 3200ms").
 */
import {
  type ContractValueChange,
  type EntityContract,
  formatMs,
  hashString,
  stableStringify,
} from '@backstage-contracts/plugin-contracts-common';

/** The most changes kept for one entity in one recompute (the rest are counted). */
export const MAX_CHANGES = 20;

/** Keys that say where or how a value was written, not what it is. */
const SKIPPED = new Set(['loc', 'raw', 'sources', 'discovered', 'entityRef']);
const skipped = (key: string) => SKIPPED.has(key) || /Raw$/.test(key);

/** A contract as compared and stored: plain JSON without locations and texts as written. */
export type StrippedContract = Record<string, unknown>;

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!skipped(k) && v !== undefined) out[k] = strip(v);
    }
    return out;
  }
  return value;
}

/** The contract without locations and texts as written (a moved line is no change). */
export function stripContract(contract: EntityContract): StrippedContract {
  return strip(contract) as StrippedContract;
}

/** The hash of a stripped contract. */
export function contractHash(stripped: StrippedContract): string {
  return hashString(stableStringify(stripped), 0xc0de);
}

/**
 * The hash of a contract as the history compares it ({@link contractHash} of it stripped): made
 * where the contract is parsed (the analysis worker), and carried with it as
 * `StoredEntity.contractHash`.
 */
export function hashContract(contract: EntityContract): string {
  return contractHash(stripContract(contract));
}

/** The contract stripped, as JSON (stable key order), with its {@link hashContract}. */
export function strippedJson(contract: EntityContract): [string, string] {
  const json = stableStringify(stripContract(contract));
  return [hashString(json, 0xc0de), json];
}

/** How a section's items are named, by the section's key in the normalized contract. */
const SECTIONS: Record<string, string> = {
  dependsOn: 'call to',
  operations: 'operation',
  datasets: 'dataset',
  endpoints: 'endpoint',
  dataDependencies: 'need for',
  retryPolicies: 'retries to',
  idempotency: 'idempotency of',
  requires: 'need of',
};

/** `timeoutMs` → `timeout`, `freshnessRequiredMs` → `freshness required`. */
function fieldName(key: string): string {
  return key
    .replace(/Ms$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj =>
  Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The name of an item of a section: what identifies it across versions. */
function itemName(item: Obj, index: number): string {
  const pairs: Array<[string, string]> = [
    ['service', 'operation'],
    ['source', 'dataset'],
    ['from', 'data'],
  ];
  for (const [a, b] of pairs) {
    if (str(item[a])) {
      return str(item[b]) ? `${item[a]}.${item[b]}` : String(item[a]);
    }
  }
  return (
    str(item.name) ?? str(item.path) ?? str(item.target) ?? `#${index + 1}`
  );
}

/** A leaf: its text, and its number when it is ordered (durations, counts, percentages). */
interface Leaf {
  text: string;
  value?: number;
}

/** The leaves of a value: label → leaf. Percentile lists are keyed by percentile. */
function leaves(
  value: unknown,
  label: string,
  out: Map<string, Leaf>,
  ms = false,
) {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    if (value.every(v => isObj(v) && typeof v.percentile === 'number')) {
      for (const v of value as Obj[]) {
        const level = str(v.level);
        const p = `p${v.percentile}`;
        const at = Number(v.ms);
        const name = level && level !== 'budget' ? `${level} ${p}` : p;
        out.set(label ? `${name} (${label})` : name, {
          text: formatMs(at),
          value: at,
        });
      }
      return;
    }
    if (value.every(v => !isObj(v) && !Array.isArray(v))) {
      out.set(label, { text: value.map(String).join(', ') || '(none)' });
      return;
    }
    value.forEach((v, i) =>
      leaves(v, `${label} ${isObj(v) ? itemName(v, i) : i + 1}`.trim(), out),
    );
    return;
  }
  if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      leaves(v, `${label} ${fieldName(k)}`.trim(), out, /Ms$/.test(k));
    }
    return;
  }
  if (typeof value === 'number') {
    out.set(label, { text: ms ? formatMs(value) : String(value), value });
    return;
  }
  out.set(label, { text: String(value) });
}

/** Keys an item is named by (see itemName), and its resolved ref. */
const NAMING = new Set([
  'service',
  'operation',
  'source',
  'dataset',
  'from',
  'data',
  'name',
  'path',
  'target',
  'ref',
]);

/** The items of a contract: `call to risk.scoreTransaction` → its leaves. */
function items(
  contract: StrippedContract | undefined,
): Map<string, Map<string, Leaf>> {
  const out = new Map<string, Map<string, Leaf>>();
  if (!contract) return out;
  for (const [key, value] of Object.entries(contract)) {
    const section = SECTIONS[key] ?? fieldName(key);
    if (Array.isArray(value) && value.every(isObj)) {
      value.forEach((item, i) => {
        const name = `${section} ${itemName(item, i)}`;
        const fields = new Map<string, Leaf>();
        for (const [k, v] of Object.entries(item)) {
          // the identifying keys are in the item's name
          if (NAMING.has(k) && typeof v === 'string') {
            continue;
          }
          leaves(v, fieldName(k), fields, /Ms$/.test(k));
        }
        out.set(name, fields);
      });
    } else {
      const fields = new Map<string, Leaf>();
      leaves(value, '', fields);
      out.set(section, fields);
    }
  }
  return out;
}

/**
 * The changes from `before` to `after` (either absent: the contract was added or removed),
 * at most {@link MAX_CHANGES}, and how many more there were.
 */
export function contractChanges(
  before: StrippedContract | undefined,
  after: StrippedContract | undefined,
): { changes: ContractValueChange[]; more: number } {
  const a = items(before);
  const b = items(after);
  const changes: ContractValueChange[] = [];
  for (const [item, fields] of b) {
    const old = a.get(item);
    if (!old) {
      if (before) changes.push({ kind: 'added', item });
      continue;
    }
    for (const [field, leaf] of fields) {
      const was = old.get(field);
      const f = field || undefined;
      if (!was) {
        changes.push({ kind: 'added', item, field: f, to: leaf.text });
      } else if (was.text !== leaf.text) {
        let kind: ContractValueChange['kind'] = 'changed';
        if (was.value !== undefined && leaf.value !== undefined) {
          kind = leaf.value > was.value ? 'raised' : 'lowered';
        }
        changes.push({ kind, item, field: f, from: was.text, to: leaf.text });
      }
    }
    for (const [field, leaf] of old) {
      if (!fields.has(field)) {
        changes.push({
          kind: 'removed',
          item,
          field: field || undefined,
          from: leaf.text,
        });
      }
    }
  }
  if (after) {
    for (const item of a.keys()) {
      if (!b.has(item)) changes.push({ kind: 'removed', item });
    }
  }
  return {
    changes: changes.slice(0, MAX_CHANGES),
    more: Math.max(0, changes.length - MAX_CHANGES),
  };
}
