/**
 * Merges the partial documents of one entity (the essay keeps one file per concern). Items with
 * the same identity merge field by field; a field given twice with different values is a
 * contradiction: the first stays, the second is reported where it was written.
 */
import type {
  MetricBinding,
  PercentileLatency,
  SourceLocation,
} from '../types';
import { formatDuration } from './grammar';
import {
  type ContractSections,
  type FieldLocations,
  fieldLocation,
} from './normalize';

type Item = { loc: SourceLocation } & Record<string, any>;

interface ValueField {
  name: string;
  label: string;
  /** Fields that travel with this one (its raw text, its note). */
  with?: string[];
  show?: (value: any) => string;
}

interface ListField {
  name: string;
  label: string;
  key: (entry: any) => string;
  show: (entry: any) => string;
}

interface MergeSpec {
  section: string;
  identity: (item: Item) => string;
  describe: (item: Item) => string;
  values: ValueField[];
  lists: ListField[];
}

const showLatencies = (values: PercentileLatency[]) =>
  values
    .map(value => `p${value.percentile}=${formatDuration(value.ms)}`)
    .join(', ');
const showMs = (ms: number) => formatDuration(ms);
const showRaw = (value: { raw: string }) => value.raw;
const showMetric = (m: MetricBinding) =>
  m.query ??
  m.histogram ??
  `opentelemetry${m.service ? ` service ${m.service}` : ''}${
    m.route ? ` route ${m.route}` : ''
  }`;

/** The sections that are lists of items (the others are single values of the document). */
type ListSection = Exclude<keyof ContractSections, 'availability'>;

const showAvailability = (value: { raw: string }) => value.raw;

const SPECS: Record<ListSection, MergeSpec> = {
  dependsOn: {
    section: 'depends_on',
    identity: item => `${item.ref.toLowerCase()}#${item.operation ?? ''}`,
    describe: item =>
      `dependency \`${item.service}${
        item.operation ? `.${item.operation}` : ''
      }\``,
    values: [
      { name: 'timeoutMs', label: '`timeout`', show: showMs },
      { name: 'fallback', label: '`fallback`' },
      { name: 'retry', label: '`retry`', show: showRaw },
    ],
    lists: [
      {
        name: 'budget',
        label: '`latency_budget`',
        key: bound => `${bound.level}:${bound.percentile}`,
        show: bound => `${bound.level}: ${bound.raw}`,
      },
    ],
  },
  operations: {
    section: 'provides',
    identity: item => item.name,
    describe: item => `operation \`${item.name}\``,
    values: [
      {
        name: 'current',
        label: '`latency.current`',
        with: ['currentRaw'],
        show: showLatencies,
      },
      {
        name: 'target',
        label: '`latency.target`',
        with: ['targetRaw', 'targetNote'],
        show: showLatencies,
      },
      { name: 'latencyMetric', label: '`latency.metric`', show: showMetric },
      {
        name: 'availability',
        label: '`availability`',
        show: showAvailability,
      },
    ],
    lists: [],
  },
  datasets: {
    section: 'provides',
    identity: item => item.name,
    describe: item => `dataset \`${item.name}\``,
    values: [
      { name: 'via', label: '`via`' },
      { name: 'freshness', label: '`freshness`', show: showRaw },
      {
        name: 'freshnessMetric',
        label: '`freshness.metric`',
        show: showMetric,
      },
      { name: 'pii', label: '`pii`' },
      { name: 'access', label: '`access`' },
    ],
    lists: [
      {
        name: 'allowedUse',
        label: '`allowed_use`',
        key: name => name,
        show: name => name,
      },
      {
        name: 'derivedFrom',
        label: '`derived_from`',
        key: entry => `${entry.ref.toLowerCase()}#${entry.dataset}`,
        show: entry => `${entry.source}/${entry.dataset}`,
      },
    ],
  },
  endpoints: {
    section: 'provides',
    identity: item => item.path,
    describe: item => `endpoint \`${item.path}\``,
    values: [
      { name: 'returns', label: '`returns`' },
      { name: 'pii', label: '`pii`' },
      { name: 'access', label: '`access`' },
    ],
    lists: [
      { name: 'data', label: '`data`', key: name => name, show: name => name },
      {
        name: 'allowedUse',
        label: '`allowed_use`',
        key: name => name,
        show: name => name,
      },
    ],
  },
  dataDependencies: {
    section: 'data_dependencies',
    identity: item => `${item.ref.toLowerCase()}#${item.dataset}`,
    describe: item => `data dependency \`${item.source}/${item.dataset}\``,
    values: [
      {
        name: 'freshnessRequiredMs',
        label: '`freshness_required`',
        with: ['freshnessRaw'],
        show: showMs,
      },
      { name: 'reason', label: '`reason`' },
      { name: 'impactIfStale', label: '`impact_if_stale`' },
    ],
    lists: [],
  },
  retryPolicies: {
    section: 'retry_policies',
    identity: item => `${item.ref.toLowerCase()}#${item.operation ?? ''}`,
    describe: item => `retry policy \`${item.target}\``,
    values: [
      {
        name: 'newRequestIdOnTimeout',
        label: '`on_timeout.generates_new_request_id`',
      },
      { name: 'maxAttempts', label: '`max_attempts`' },
      { name: 'backoff', label: '`backoff`' },
      { name: 'reason', label: '`reason`' },
    ],
    lists: [],
  },
  idempotency: {
    section: 'operations',
    identity: item => item.name,
    describe: item => `operation \`${item.name}\``,
    values: [
      { name: 'idempotencyKey', label: '`idempotency_key`' },
      { name: 'expects', label: '`expects`' },
      { name: 'windowMs', label: '`window`', show: showMs },
    ],
    lists: [],
  },
  requires: {
    section: 'requires',
    identity: item => `${item.ref.toLowerCase()}#${item.data}`,
    describe: item => `requirement \`${item.from}/${item.data}\``,
    values: [
      { name: 'accessLevel', label: '`access_level`' },
      { name: 'useCase', label: '`use_case`' },
    ],
    lists: [],
  },
};

/** Compares two normalized values, ignoring where and how they were written. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const strip = (key: string, value: unknown) =>
    key === 'loc' || key === 'raw' ? undefined : value;
  return JSON.stringify(a, strip) === JSON.stringify(b, strip);
}

function where(loc: SourceLocation | undefined): string {
  if (!loc) return 'elsewhere';
  const position = loc.line ? `:${loc.line}:${loc.column}` : '';
  return `${loc.file ?? ''}${position}${loc.path ? ` (\`${loc.path}\`)` : ''}`;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/**
 * A value taken from a later statement keeps its `discovered` mark (keyed by the document key,
 * which is the field's label without its backticks).
 */
function takeMark(first: Item, second: Item, label: string): void {
  const key = label.replace(/`/g, '');
  const mark = second.discovered?.[key];
  if (mark) first.discovered = { ...first.discovered, [key]: mark };
  const imported = second.imported?.[key];
  if (imported) first.imported = { ...first.imported, [key]: imported };
}

/**
 * Latencies imported at different percentiles (one SLO per percentile, as Pyrra writes them)
 * add up: `p95=300ms` and `p99=800ms` make both. Only for imported values, and only when no
 * percentile is given twice; anything else is a contradiction as before.
 */
function unitePercentiles(
  first: Item,
  second: Item,
  field: ValueField,
): boolean {
  const key = field.label.replace(/`/g, '');
  if (!first.imported?.[key] || !second.imported?.[key]) return false;
  const a = first[field.name];
  const b = second[field.name];
  if (!Array.isArray(a) || !Array.isArray(b)) return false;
  if (
    b.some((l: PercentileLatency) =>
      a.some((m: PercentileLatency) => m.percentile === l.percentile),
    )
  )
    return false;
  const all = [...a, ...b].sort((x, y) => x.percentile - y.percentile);
  first[field.name] = all;
  if (field.name === 'target' || field.name === 'current') {
    first[`${field.name}Raw`] = showLatencies(all);
  }
  return true;
}

/** Reports one contradiction at the place of the second statement. */
export type ContradictionReporter = (
  loc: SourceLocation,
  message: string,
) => void;

/** Merges sections of one document into the entity's contract so far. */
export class ContractMerger {
  readonly merged: ContractSections = {
    dependsOn: [],
    operations: [],
    datasets: [],
    endpoints: [],
    dataDependencies: [],
    retryPolicies: [],
    idempotency: [],
    requires: [],
  };
  private readonly index = new Map<string, Item>();

  constructor(
    private readonly locations: FieldLocations,
    private readonly report: ContradictionReporter,
  ) {}

  add(sections: ContractSections): void {
    const availability = sections.availability;
    const known = this.merged.availability;
    if (availability && !known) this.merged.availability = availability;
    else if (availability && known && availability.percent !== known.percent) {
      this.report(
        availability.loc,
        `\`availability\` is \`${availability.raw}\` here but \`${
          known.raw
        }\` at ${where(known.loc)}; the first is kept`,
      );
    }
    for (const name of Object.keys(SPECS) as ListSection[]) {
      const spec = SPECS[name];
      for (const item of sections[name] as Item[]) {
        const key = `${name}\u0000${spec.identity(item)}`;
        const first = this.index.get(key);
        if (!first) {
          this.index.set(key, item);
          (this.merged[name] as Item[]).push(item);
        } else this.mergeItem(spec, first, item);
      }
    }
  }

  private mergeItem(spec: MergeSpec, first: Item, second: Item): void {
    for (const field of spec.values) {
      const incoming = second[field.name];
      if (isEmpty(incoming)) continue;
      const existing = first[field.name];
      if (isEmpty(existing)) {
        first[field.name] = incoming;
        for (const extra of field.with ?? []) {
          if (second[extra] !== undefined) first[extra] = second[extra];
        }
        this.inherit(first, second, field.name);
        takeMark(first, second, field.label);
      } else if (
        !same(existing, incoming) &&
        !unitePercentiles(first, second, field)
      ) {
        const show = field.show ?? String;
        const firstLoc =
          fieldLocation(this.locations, first, field.name) ?? first.loc;
        this.report(
          fieldLocation(this.locations, second, field.name) ?? second.loc,
          `${spec.describe(first)}: ${field.label} is \`${show(
            incoming,
          )}\` here but \`${show(existing)}\` at ${where(
            firstLoc,
          )}; the first is kept`,
        );
      }
    }
    for (const field of spec.lists) {
      const list: any[] = first[field.name] ?? (first[field.name] = []);
      for (const entry of second[field.name] ?? []) {
        const twin = list.find(
          candidate => field.key(candidate) === field.key(entry),
        );
        if (!twin) list.push(entry);
        else if (!same(twin, entry)) {
          const at =
            entry.loc ??
            fieldLocation(this.locations, second, field.name) ??
            second.loc;
          this.report(
            at,
            `${spec.describe(first)}: ${field.label} has \`${field.show(
              entry,
            )}\` here but \`${field.show(twin)}\` at ${where(
              twin.loc ?? first.loc,
            )}; the first is kept`,
          );
        }
      }
    }
  }

  /** A field copied from a later statement keeps the location it was written at. */
  private inherit(first: Item, second: Item, field: string): void {
    const from = this.locations?.get(second);
    const into = this.locations?.get(first);
    if (from && into) into.inherit(field, from);
  }
}
