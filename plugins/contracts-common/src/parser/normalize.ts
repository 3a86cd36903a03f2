/**
 * Turns one validated-for-structure document into the normalized contract model, reading every
 * value with the grammar. A value that does not read is reported and left out; an item that
 * loses a required value is left out; its valid siblings stay.
 */
import type {
  Availability,
  ContractDependency,
  DataDependency,
  DiscoveredMarks,
  DataRequirement,
  EntityContract,
  IdempotencySpec,
  LatencyBound,
  MetricBinding,
  ProvidedDataset,
  ProvidedEndpoint,
  ProvidedOperation,
  RetryPolicy,
  SourceLocation,
} from '../types';
import {
  type GrammarResult,
  parseAvailability,
  parseDurationText,
  parseFreshness,
  parseFreshnessParts,
  parseFreshnessRequired,
  parseLatencyBounds,
  parsePercentile,
  parsePercentileLatencies,
  parseRetry,
  parseRetryTarget,
} from './grammar';
import { resolveContractRef } from './refs';
import { unknownKeyMessage } from './suggest';
import {
  type LocatedDocument,
  describeType,
  locateIn,
  pointerSegment,
} from './yamlSource';

/** The sections of a contract, as read from one or several documents. */
export type ContractSections = Omit<
  EntityContract,
  'entityRef' | 'sources' | 'discovered' | 'observed'
>;

/**
 * Where the fields of one normalized item were written: its document, the pointer of the item,
 * and the pointer of each field below it. Located only when needed (for contradictions).
 */
export class ItemLocations {
  /** Fields merged in from a later statement keep the place they were written at. */
  private moved?: Record<string, ItemLocations>;

  constructor(
    private readonly reader: DocumentReader,
    private readonly base: string,
    private readonly fields: Readonly<Record<string, string>>,
  ) {}

  locate(field: string): SourceLocation | undefined {
    const from = this.moved?.[field] ?? this;
    const suffix = from.fields[field];
    return suffix === undefined
      ? undefined
      : from.reader.loc(from.base + suffix);
  }

  /** `field` now holds the value `from` had. */
  inherit(field: string, from: ItemLocations): void {
    (this.moved ??= {})[field] = from.moved?.[field] ?? from;
  }
}

/**
 * Where each field of a normalized item was written, for messages about contradictions. The fast
 * path, which never reports one (a contract with a problem takes the full path), keeps none.
 */
export type FieldLocations = Map<object, ItemLocations> | undefined;

/** Where a field of a normalized item was written, if known. */
export function fieldLocation(
  locations: FieldLocations,
  item: object,
  field: string,
): SourceLocation | undefined {
  return locations?.get(item)?.locate(field);
}

/** What the normalizer needs to know of the entity and where to report. */
export interface NormalizeContext {
  entityRef: string;
  kind: string;
  namespace: string;
  doc: LocatedDocument;
  report(pointer: string, message: string, atKey?: boolean): void;
  fieldLocations: FieldLocations;
}

type Dict = Record<string, unknown>;

const PERCENTILE_KEY = /^[pP]\d+(?:\.\d+)?$/;
/** `path:line` or `path:line:column`, where a discovered value was found. */
const DISCOVERED_AT = /^(\S.*?):(\d+)(?::(\d+))?$/;
/** The keys of an item a `discovered` mark may name, per section. */
const DISCOVERED_KEYS = {
  dependency: [
    'service',
    'operation',
    'latency_budget',
    'timeout',
    'fallback',
    'retry',
  ],
  dataDependency: ['source', 'dataset', 'freshness_required'],
  retryPolicy: [
    'target',
    'on_timeout.generates_new_request_id',
    'max_attempts',
    'backoff',
  ],
  operation: ['name', 'idempotency_key', 'expects', 'window'],
} as const;
const BUDGET_LEVELS = ['target', 'acceptable', 'maximum'] as const;
/** The keys of `depends_on[].retry` written as a mapping. */
const RETRY_KEYS = [
  'max_attempts',
  'backoff',
  'per_try_timeout',
  'retry_on',
] as const;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: unknown): Dict[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string value, trimmed; anything else is undefined (ajv reported it). */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed || undefined;
}

/**
 * The value without its undefined keys, so the model survives JSON unchanged. Copies rather than
 * deletes: an object that lost a key is a slow, large dictionary for the rest of its life.
 */
function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out as T;
}

/** Field → pointer below its item, per kind of item. */
const DEPENDENCY_FIELDS = {
  budget: '/latency_budget',
  timeoutMs: '/timeout',
  fallback: '/fallback',
  retry: '/retry',
};
const OPERATION_FIELDS = {
  current: '/latency/current',
  target: '/latency/target',
  latencyMetric: '/latency/metric',
  availability: '/availability',
};
const DATASET_FIELDS = {
  via: '/via',
  freshness: '/freshness',
  pii: '/pii',
  access: '/access',
  freshnessMetric: '/freshness/metric',
};
/** The keys of a metric binding (`latency.metric`, `freshness.metric`) written as a mapping. */
const METRIC_KEYS = {
  latency: ['query', 'histogram', 'service', 'route', 'percentile', 'unit'],
  freshness: ['query', 'unit'],
  availability: ['query', 'service', 'route', 'unit'],
};
/** The keys of `availability` written as a mapping. */
const AVAILABILITY_KEYS = ['promise', 'metric'];
const ENDPOINT_FIELDS = { returns: '/returns', pii: '/pii', access: '/access' };
const DATA_DEPENDENCY_FIELDS = {
  freshnessRequiredMs: '/freshness_required',
  reason: '/reason',
  impactIfStale: '/impact_if_stale',
};
const RETRY_POLICY_FIELDS = {
  newRequestIdOnTimeout: '/on_timeout/generates_new_request_id',
  maxAttempts: '/max_attempts',
  backoff: '/backoff',
  reason: '/reason',
};
const RETRY_POLICY_FIELDS_TIMEOUT_REASON = {
  ...RETRY_POLICY_FIELDS,
  reason: '/on_timeout/reason',
};
const IDEMPOTENCY_FIELDS = {
  idempotencyKey: '/idempotency_key',
  expects: '/expects',
  windowMs: '/window',
};
const REQUIREMENT_FIELDS = {
  accessLevel: '/access_level',
  useCase: '/use_case',
};

/**
 * Grammar readings whose result the normalizer copies (or reads) rather than keeps: the same few
 * texts (`500ms`, `p95 < 200ms`, `<10s`) recur in every contract, so each is read once. Readings
 * whose value goes into the contract as it is (freshness, latencies, retry) are not shared.
 */
const SHAREABLE_READINGS = new Set<(text: string) => GrammarResult<unknown>>([
  parseDurationText,
  parseLatencyBounds,
  parseFreshnessRequired,
  parseRetryTarget,
  parsePercentile,
]);
const readings = new Map<unknown, Map<string, GrammarResult<unknown>>>();
let readingCount = 0;
const MAX_READINGS = 50_000;

function cachedRead<T>(
  read: (text: string) => GrammarResult<T>,
  written: string,
): GrammarResult<T> {
  if (!SHAREABLE_READINGS.has(read)) return read(written);
  let byText = readings.get(read);
  const known = byText?.get(written);
  if (known) return known as GrammarResult<T>;
  const result = read(written);
  if (readingCount >= MAX_READINGS) {
    readings.clear();
    readingCount = 0;
    byText = undefined;
  }
  if (!byText) readings.set(read, (byText = new Map()));
  byText.set(written, result);
  readingCount++;
  return result;
}

class DocumentReader {
  constructor(private readonly ctx: NormalizeContext) {}

  loc(pointer: string): SourceLocation {
    const { line, column, path } = locateIn(this.ctx.doc, pointer);
    const file = this.ctx.doc.file;
    if (line === undefined)
      return column === undefined ? { file, path } : { file, column, path };
    return column === undefined
      ? { file, line, path }
      : { file, line, column, path };
  }

  /** Reports the faults of a grammar result at `pointer`; returns its value. */
  take<T>(result: GrammarResult<T>, pointer: string): T | undefined {
    for (const error of result.errors) this.ctx.report(pointer, error);
    return result.value;
  }

  /** A grammar value written as text: strings are read, numbers read as text (`500` → no unit). */
  grammar<T>(
    value: unknown,
    pointer: string,
    read: (text: string) => GrammarResult<T>,
    expected: string,
  ): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string')
      return this.take(cachedRead(read, value), pointer);
    if (typeof value === 'number')
      return this.take(cachedRead(read, String(value)), pointer);
    this.ctx.report(
      pointer,
      `expected ${expected}, got ${describeType(value)}`,
    );
    return undefined;
  }

  duration(value: unknown, pointer: string): number | undefined {
    return this.grammar(
      value,
      pointer,
      parseDurationText,
      'a duration such as `200ms`',
    );
  }

  ref(
    value: unknown,
    pointer: string,
    defaultKind = 'component',
  ): string | undefined {
    return this.grammar(
      value,
      pointer,
      name =>
        resolveContractRef(name, {
          defaultKind,
          defaultNamespace: this.ctx.namespace,
        }),
      'an entity name such as `risk`',
    );
  }

  /** Records where the fields of `item` (at `pointer`) were written: `fields` maps them below it. */
  fields(item: object, pointer: string, fields: Record<string, string>): void {
    this.ctx.fieldLocations?.set(
      item,
      new ItemLocations(this, pointer, fields),
    );
  }

  /** `service: risk` at the top of a document must name the entity itself. */
  service(value: unknown): void {
    const ref = this.ref(value, '/service', this.ctx.kind);
    if (ref && ref.toLowerCase() !== this.ctx.entityRef.toLowerCase()) {
      this.ctx.report(
        '/service',
        `\`service: ${String(
          value,
        ).trim()}\` names \`${ref}\`, but this contract belongs to \`${
          this.ctx.entityRef
        }\``,
      );
    }
  }

  budget(value: unknown, pointer: string): LatencyBound[] {
    const bounds: LatencyBound[] = [];
    if (!isDict(value)) return bounds;
    for (const [key, written] of Object.entries(value)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if ((BUDGET_LEVELS as readonly string[]).includes(key)) {
        bounds.push(...this.bounds(written, at, key as LatencyBound['level']));
      } else if (PERCENTILE_KEY.test(key)) {
        bounds.push(
          ...this.percentileBounds({ [key]: written }, pointer, 'budget'),
        );
      }
    }
    return bounds;
  }

  bounds(
    value: unknown,
    pointer: string,
    level: LatencyBound['level'],
  ): LatencyBound[] {
    if (isDict(value)) return this.percentileBounds(value, pointer, level);
    const read = this.grammar(
      value,
      pointer,
      parseLatencyBounds,
      'a bound such as `p95 < 200ms` or `{ p95: 200ms }`',
    );
    const loc = this.loc(pointer);
    return (read ?? []).map(bound => ({ level, ...bound, loc }));
  }

  /** `{ p95: 200ms }`: bounds by percentile. */
  percentileBounds(
    value: Dict,
    pointer: string,
    level: LatencyBound['level'],
  ): LatencyBound[] {
    return this.percentileDurations(value, pointer).map(
      ({ percentile, ms, key, written, at }) => ({
        level,
        percentile,
        ms,
        raw: `${key} < ${written}`,
        loc: this.loc(at),
      }),
    );
  }

  percentileDurations(value: Dict, pointer: string) {
    const read: Array<{
      percentile: number;
      ms: number;
      key: string;
      written: string;
      at: string;
    }> = [];
    if (Object.keys(value).length === 0) {
      this.ctx.report(
        pointer,
        'empty mapping: expected durations by percentile, e.g. `{ p95: 200ms }`',
      );
    }
    for (const [key, written] of Object.entries(value)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if (!PERCENTILE_KEY.test(key)) {
        this.ctx.report(
          at,
          `unknown key \`${key}\`: expected a percentile such as \`p95\``,
          true,
        );
        continue;
      }
      const percentile = this.take(cachedRead(parsePercentile, key), at);
      const ms = this.duration(written, at);
      if (percentile !== undefined && ms !== undefined) {
        read.push({ percentile, ms, key, written: String(written).trim(), at });
      }
    }
    return read;
  }

  /** `latency.current` / `latency.target`: a string or `{ p50: 80ms }`. */
  latencies(value: unknown, pointer: string) {
    if (value === undefined) return undefined;
    if (isDict(value)) {
      const values = this.percentileDurations(value, pointer);
      return {
        values: values.map(({ percentile, ms }) => ({ percentile, ms })),
        raw: values.map(({ key, written }) => `${key}=${written}`).join(', '),
        note: undefined as string | undefined,
      };
    }
    const read = this.grammar(
      value,
      pointer,
      parsePercentileLatencies,
      'latencies such as `p50=2800ms, p95=3200ms`',
    );
    return (
      read && {
        values: read.values,
        note: read.note,
        raw: String(value).trim(),
      }
    );
  }

  freshness(value: unknown, pointer: string) {
    if (!isDict(value)) {
      return this.grammar(
        value,
        pointer,
        parseFreshness,
        'a freshness such as `15-30s typical, 60s max`',
      );
    }
    const parts: { typical?: string; max?: string } = {};
    for (const [key, written] of Object.entries(value)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if (key === 'metric') continue; // read by `metric()`
      if (key !== 'typical' && key !== 'max') {
        this.ctx.report(
          at,
          unknownKeyMessage(key, ['typical', 'max', 'metric']),
          true,
        );
      } else if (typeof written === 'string' || typeof written === 'number') {
        parts[key] = String(written);
      } else {
        this.ctx.report(
          at,
          `expected a duration such as \`60s\`, got ${describeType(written)}`,
        );
      }
    }
    if (parts.typical === undefined && parts.max === undefined) {
      if (Object.keys(value).length === 0) {
        this.ctx.report(
          pointer,
          'empty mapping: expected `typical` and/or `max`, e.g. `{ typical: 15-30s, max: 60s }`',
        );
      }
      return undefined;
    }
    return this.take(parseFreshnessParts(parts), pointer);
  }

  /**
   * `latency.metric` / `freshness.metric`: how a promise is measured in Prometheus. A string is
   * a PromQL query (`opentelemetry`: the OpenTelemetry defaults, latency only); a mapping names
   * a `query`, a `histogram` or (latency) the OpenTelemetry `service` / `route`, and a `unit`.
   */
  metric(
    value: unknown,
    pointer: string,
    of: 'latency' | 'freshness' | 'availability',
  ): MetricBinding | undefined {
    if (value === undefined) return undefined;
    const loc = this.loc(pointer);
    if (typeof value === 'string') {
      const written = value.trim();
      if (!written) {
        this.ctx.report(pointer, 'empty metric: expected a PromQL query');
        return undefined;
      }
      if (written === 'opentelemetry') {
        if (of === 'freshness') {
          this.ctx.report(
            pointer,
            'OpenTelemetry has no convention for the age of a dataset: write the PromQL query that gives it (e.g. a replica lag gauge in seconds)',
          );
          return undefined;
        }
        return { kind: 'opentelemetry', loc };
      }
      if (of === 'availability' && !written.includes('$window')) {
        this.ctx.report(
          pointer,
          'an availability query must use `$window` and give the success ratio over it (0..1, or `unit: %`), e.g. `sum(rate(x_count{code!~"5.."}[$window])) / sum(rate(x_count[$window]))`',
        );
        return undefined;
      }
      if (of === 'latency' && !written.includes('$quantile')) {
        this.ctx.report(
          pointer,
          'a latency query must use `$quantile` (e.g. `histogram_quantile($quantile, sum by (le) (rate(x_bucket[$window])))`), or be written as `{ query: …, percentile: p95 }`',
        );
        return undefined;
      }
      return { kind: 'query', query: written, loc };
    }
    if (!isDict(value)) {
      this.ctx.report(
        pointer,
        `expected a PromQL query or a mapping such as \`{ query: …, unit: s }\`, got ${describeType(
          value,
        )}`,
      );
      return undefined;
    }
    const keys = METRIC_KEYS[of];
    const fields: Record<string, string> = {};
    let faulty = false;
    for (const [key, written] of Object.entries(value)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if (!keys.includes(key)) {
        this.ctx.report(at, unknownKeyMessage(key, keys), true);
        faulty = true;
      } else if (typeof written !== 'string' || !written.trim()) {
        this.ctx.report(at, `expected a text, got ${describeType(written)}`);
        faulty = true;
      } else {
        fields[key] = written.trim();
      }
    }
    if (faulty) return undefined;
    const unit = fields.unit;
    if (of === 'availability') {
      if (unit !== undefined && unit !== 'ratio' && unit !== '%') {
        this.ctx.report(
          `${pointer}/unit`,
          `unknown unit \`${unit}\`: expected \`ratio\` (0..1) or \`%\``,
        );
        return undefined;
      }
      if (fields.query && (fields.service || fields.route)) {
        this.ctx.report(
          pointer,
          '`query` and the OpenTelemetry `service`/`route` together: a metric is one of them',
        );
        return undefined;
      }
      if (fields.query && !fields.query.includes('$window')) {
        this.ctx.report(
          `${pointer}/query`,
          'an availability query must use `$window` and give the success ratio over it',
        );
        return undefined;
      }
      return compact<MetricBinding>({
        kind: fields.query ? 'query' : 'opentelemetry',
        query: fields.query,
        service: fields.service,
        route: fields.route,
        unit: unit as MetricBinding['unit'],
        loc,
      });
    }
    if (unit !== undefined && unit !== 's' && unit !== 'ms') {
      this.ctx.report(
        `${pointer}/unit`,
        `unknown unit \`${unit}\`: expected \`s\` or \`ms\``,
      );
      return undefined;
    }
    const given = ['query', 'histogram'].filter(k => fields[k] !== undefined);
    const otel = ['service', 'route'].filter(k => fields[k] !== undefined);
    if (given.length > 1 || (given.length && otel.length)) {
      this.ctx.report(
        pointer,
        `\`${[...given, ...otel].join(
          '` and `',
        )}\` together: a metric is one of a \`query\`, a \`histogram\` or the OpenTelemetry \`service\`/\`route\``,
      );
      return undefined;
    }
    if (of === 'freshness' && !fields.query) {
      this.ctx.report(
        pointer,
        'expected `query`: the PromQL query giving the age',
      );
      return undefined;
    }
    let percentile: number | undefined;
    if (fields.percentile !== undefined) {
      percentile = this.take(
        cachedRead(parsePercentile, fields.percentile),
        `${pointer}/percentile`,
      );
      if (percentile === undefined) return undefined;
      if (!fields.query || fields.query.includes('$quantile')) {
        this.ctx.report(
          `${pointer}/percentile`,
          '`percentile` names what a query without `$quantile` measures; the other forms measure every percentile',
        );
        return undefined;
      }
    } else if (
      of === 'latency' &&
      fields.query &&
      !fields.query.includes('$quantile')
    ) {
      this.ctx.report(
        `${pointer}/query`,
        'a latency query without `$quantile` must name the `percentile` it measures, e.g. `percentile: p95`',
      );
      return undefined;
    }
    let kind: MetricBinding['kind'] = 'opentelemetry';
    if (fields.query) kind = 'query';
    else if (fields.histogram) kind = 'histogram';
    return compact<MetricBinding>({
      kind,
      query: fields.query,
      histogram: fields.histogram,
      service: fields.service,
      route: fields.route,
      percentile,
      unit: unit as MetricBinding['unit'],
      loc,
    });
  }

  /**
   * `discovered: { timeout: src/riskClient.ts:14:22 }`: which values of the item were found by
   * `contracts discover`, and where. Keys must be keys of the item (`keys`).
   */
  discovered(
    value: unknown,
    pointer: string,
    keys: readonly string[],
  ): DiscoveredMarks | undefined {
    if (value === undefined) return undefined;
    if (!isDict(value)) {
      this.ctx.report(
        pointer,
        `expected a mapping such as \`{ timeout: src/riskClient.ts:14:22 }\`, got ${describeType(
          value,
        )}`,
      );
      return undefined;
    }
    const marks: DiscoveredMarks = {};
    let count = 0;
    for (const [key, written] of Object.entries(value)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if (!keys.includes(key)) {
        this.ctx.report(at, unknownKeyMessage(key, [...keys]), true);
        continue;
      }
      const match =
        typeof written === 'string' ? DISCOVERED_AT.exec(written.trim()) : null;
      if (!match) {
        this.ctx.report(
          at,
          `expected where the value was found, \`path:line\` or \`path:line:column\` such as \`src/riskClient.ts:14:22\`, got ${
            typeof written === 'string'
              ? `\`${written}\``
              : describeType(written)
          }`,
        );
        continue;
      }
      const line = Number(match[2]);
      const column = match[3] === undefined ? undefined : Number(match[3]);
      if (line < 1 || (column !== undefined && column < 1)) {
        this.ctx.report(at, 'line and column count from 1');
        continue;
      }
      marks[key] =
        column === undefined
          ? { file: match[1], line }
          : { file: match[1], line, column };
      count++;
    }
    if (!count && !Object.keys(value).length) {
      this.ctx.report(pointer, 'must not be empty');
    }
    return count ? marks : undefined;
  }

  /**
   * `availability: 99.95%`, or bound to how it is measured:
   * `availability: { promise: 99.95%, metric: opentelemetry }`.
   */
  availability(value: unknown, pointer: string): Availability | undefined {
    if (value === undefined) return undefined;
    if (isDict(value)) {
      for (const key of Object.keys(value)) {
        if (!AVAILABILITY_KEYS.includes(key)) {
          this.ctx.report(
            `${pointer}/${pointerSegment(key)}`,
            unknownKeyMessage(key, AVAILABILITY_KEYS),
            true,
          );
        }
      }
      if (value.promise === undefined) {
        this.ctx.report(
          pointer,
          'expected `promise`: the promised availability, e.g. `{ promise: 99.95%, metric: opentelemetry }`',
        );
        return undefined;
      }
      const read = this.take(
        parseAvailability(value.promise),
        `${pointer}/promise`,
      );
      const metric = this.metric(
        value.metric,
        `${pointer}/metric`,
        'availability',
      );
      return (
        read &&
        compact<Availability>({ ...read, metric, loc: this.loc(pointer) })
      );
    }
    const read = this.take(parseAvailability(value), pointer);
    return read && { ...read, loc: this.loc(pointer) };
  }

  /**
   * `purposes` or `allowed_use` (the same list under either name; both at once is a problem):
   * the uses the data of an item may serve.
   */
  allowedUse(item: Dict, pointer: string): string[] | undefined {
    if (item.purposes !== undefined && item.allowed_use !== undefined) {
      this.ctx.report(
        `${pointer}/allowed_use`,
        '`purposes` and `allowed_use` are the same list: write one of them',
        true,
      );
    }
    const key = item.purposes !== undefined ? 'purposes' : 'allowed_use';
    const names = this.names(item[key], `${pointer}/${key}`);
    return names.length ? names : undefined;
  }

  /**
   * `retry` of a dependency: `none`, a number of attempts, or the mapping `retry_policies[]`
   * uses (`max_attempts`, `backoff`) with `per_try_timeout` and `retry_on`.
   */
  retry(value: unknown, pointer: string): ContractDependency['retry'] {
    if (value === undefined) return undefined;
    if (!isDict(value)) return this.take(parseRetry(value), pointer);
    const out: NonNullable<ContractDependency['retry']> = { raw: '' };
    const shown: string[] = [];
    for (const [key, written] of Object.entries(value)) {
      const at = `${pointer}/${pointerSegment(key)}`;
      if (key === 'max_attempts') {
        const attempts = this.take(parseRetry(written), at);
        if (attempts?.maxAttempts !== undefined && attempts.raw !== 'none') {
          out.maxAttempts = attempts.maxAttempts;
        } else if (attempts) {
          this.ctx.report(
            at,
            'expected the number of attempts in all, the first included, e.g. `3`',
          );
        }
      } else if (key === 'backoff') {
        out.backoff =
          typeof written === 'number' ? String(written) : text(written);
        if (out.backoff === undefined) {
          this.ctx.report(
            at,
            `expected a backoff such as \`exponential\` or \`200ms\`, got ${describeType(
              written,
            )}`,
          );
        }
      } else if (key === 'per_try_timeout') {
        out.perTryTimeoutMs = this.duration(written, at);
      } else if (key === 'retry_on') {
        const on = this.names(written, at);
        if (on.length) out.retryOn = on;
      } else {
        this.ctx.report(at, unknownKeyMessage(key, [...RETRY_KEYS]), true);
        continue;
      }
      shown.push(
        `${key}: ${
          Array.isArray(written) ? `[${written.join(', ')}]` : written
        }`,
      );
    }
    if (Object.keys(value).length === 0) {
      this.ctx.report(
        pointer,
        'empty mapping: expected e.g. `{ max_attempts: 3, backoff: exponential }`',
      );
      return undefined;
    }
    out.raw = `{ ${shown.join(', ')} }`;
    return compact(out);
  }

  names(value: unknown, pointer: string): string[] {
    if (value === undefined) return [];
    if (typeof value === 'string')
      return text(value) ? [value.trim()] : this.empty(pointer);
    if (!Array.isArray(value)) {
      this.ctx.report(
        pointer,
        `expected a name or a list of names, got ${describeType(value)}`,
      );
      return [];
    }
    const names: string[] = [];
    value.forEach((name, index) => {
      const written = text(name);
      if (written) names.push(written);
      else
        this.ctx.report(
          `${pointer}/${index}`,
          `expected a name, got ${
            typeof name === 'string' ? 'an empty string' : describeType(name)
          }`,
        );
    });
    return names;
  }

  private empty(pointer: string): string[] {
    this.ctx.report(pointer, 'must not be empty');
    return [];
  }
}

/**
 * Reads the sections of one document. Structure was checked by ajv: here, values of the wrong
 * type are skipped silently and grammar faults are reported.
 */
export function normalizeDocument(ctx: NormalizeContext): ContractSections {
  const sections: ContractSections = {
    dependsOn: [],
    operations: [],
    datasets: [],
    endpoints: [],
    dataDependencies: [],
    retryPolicies: [],
    idempotency: [],
    requires: [],
  };
  const root = ctx.doc.value;
  if (!isDict(root)) return sections;
  const reader = new DocumentReader(ctx);
  if (root.service !== undefined) reader.service(root.service);
  const promised = reader.availability(root.availability, '/availability');
  if (promised) sections.availability = promised;

  entries(root.depends_on).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/depends_on/${index}`;
    const ref = reader.ref(item.service, `${p}/service`);
    const budget = reader.budget(item.latency_budget, `${p}/latency_budget`);
    const timeoutMs = reader.duration(item.timeout, `${p}/timeout`);
    const retry = reader.retry(item.retry, `${p}/retry`);
    if (!ref) return;
    const dependency: ContractDependency = compact({
      service: String(item.service).trim(),
      ref,
      operation: text(item.operation),
      budget,
      timeoutMs,
      fallback: text(item.fallback),
      retry,
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.dependency,
      ),
      loc: reader.loc(p),
    });
    reader.fields(dependency, p, DEPENDENCY_FIELDS);
    sections.dependsOn.push(dependency);
  });

  entries(root.provides).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/provides/${index}`;
    const kinds = ['operation', 'dataset', 'endpoint'].filter(
      kind => item[kind] !== undefined,
    );
    if (kinds.length !== 1) return;
    if (kinds[0] === 'operation') {
      const latency = isDict(item.latency) ? item.latency : {};
      const current = reader.latencies(latency.current, `${p}/latency/current`);
      const target = reader.latencies(latency.target, `${p}/latency/target`);
      const latencyMetric = reader.metric(
        latency.metric,
        `${p}/latency/metric`,
        'latency',
      );
      const availability = reader.availability(
        item.availability,
        `${p}/availability`,
      );
      for (const key of ['pii', 'access', 'purposes', 'allowed_use']) {
        if (item[key] !== undefined) {
          ctx.report(
            `${p}/${key}`,
            `\`${key}\` applies to an \`endpoint\` or \`dataset\` item only`,
            true,
          );
        }
      }
      const name = text(item.operation);
      if (!name) return;
      const operation: ProvidedOperation = compact({
        name,
        availability,
        current: current?.values ?? [],
        target: target?.values ?? [],
        targetNote: target?.note,
        currentRaw: current?.raw,
        targetRaw: target?.raw,
        latencyMetric,
        loc: reader.loc(p),
      });
      reader.fields(operation, p, OPERATION_FIELDS);
      sections.operations.push(operation);
    } else if (kinds[0] === 'dataset') {
      const freshness = reader.freshness(item.freshness, `${p}/freshness`);
      const freshnessMetric = isDict(item.freshness)
        ? reader.metric(
            item.freshness.metric,
            `${p}/freshness/metric`,
            'freshness',
          )
        : undefined;
      const derivedFrom: ProvidedDataset['derivedFrom'] = [];
      entries(item.derived_from).forEach((source, sourceIndex) => {
        if (!isDict(source)) return;
        const sp = `${p}/derived_from/${sourceIndex}`;
        const ref = reader.ref(source.source, `${sp}/source`);
        const dataset = text(source.dataset);
        if (ref && dataset) {
          derivedFrom.push({
            source: String(source.source).trim(),
            ref,
            dataset,
            loc: reader.loc(sp),
          });
        }
      });
      const allowedUse = reader.allowedUse(item, p);
      const name = text(item.dataset);
      if (!name) return;
      const dataset: ProvidedDataset = compact({
        name,
        via: text(item.via),
        freshness,
        freshnessMetric,
        derivedFrom,
        pii: text(item.pii),
        access: text(item.access),
        allowedUse,
        loc: reader.loc(p),
      });
      reader.fields(dataset, p, DATASET_FIELDS);
      sections.datasets.push(dataset);
    } else {
      const data = reader.names(item.data, `${p}/data`);
      const allowedUse = reader.allowedUse(item, p);
      const path = text(item.endpoint);
      if (!path) return;
      const endpoint: ProvidedEndpoint = compact({
        path,
        returns: text(item.returns),
        data,
        pii: text(item.pii),
        access: text(item.access),
        allowedUse,
        loc: reader.loc(p),
      });
      reader.fields(endpoint, p, ENDPOINT_FIELDS);
      sections.endpoints.push(endpoint);
    }
  });

  entries(root.data_dependencies).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/data_dependencies/${index}`;
    const ref = reader.ref(item.source, `${p}/source`);
    const freshnessRequiredMs = reader.grammar(
      item.freshness_required,
      `${p}/freshness_required`,
      parseFreshnessRequired,
      'a freshness such as `<10s`',
    );
    const dataset = text(item.dataset);
    if (!ref || !dataset || freshnessRequiredMs === undefined) return;
    const dependency: DataDependency = compact({
      source: String(item.source).trim(),
      ref,
      dataset,
      freshnessRequiredMs,
      freshnessRaw: String(item.freshness_required).trim(),
      reason: text(item.reason),
      impactIfStale: text(item.impact_if_stale),
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.dataDependency,
      ),
      loc: reader.loc(p),
    });
    reader.fields(dependency, p, DATA_DEPENDENCY_FIELDS);
    sections.dataDependencies.push(dependency);
  });

  entries(root.retry_policies).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/retry_policies/${index}`;
    const target = reader.grammar(
      item.target,
      `${p}/target`,
      parseRetryTarget,
      'a target such as `risk.scoreTransaction`',
    );
    const ref = target && reader.ref(target.service, `${p}/target`);
    if (!ref) return;
    const onTimeout = isDict(item.on_timeout) ? item.on_timeout : {};
    const newRequestId = onTimeout.generates_new_request_id;
    const maxAttempts = item.max_attempts;
    const policy: RetryPolicy = compact({
      target: String(item.target).trim(),
      ref,
      operation: target.operation,
      newRequestIdOnTimeout:
        typeof newRequestId === 'boolean' ? newRequestId : undefined,
      maxAttempts:
        typeof maxAttempts === 'number' &&
        Number.isInteger(maxAttempts) &&
        maxAttempts >= 1
          ? maxAttempts
          : undefined,
      backoff: text(item.backoff),
      reason: text(item.reason) ?? text(onTimeout.reason),
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.retryPolicy,
      ),
      loc: reader.loc(p),
    });
    reader.fields(
      policy,
      p,
      item.reason === undefined
        ? RETRY_POLICY_FIELDS_TIMEOUT_REASON
        : RETRY_POLICY_FIELDS,
    );
    sections.retryPolicies.push(policy);
  });

  entries(root.operations).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/operations/${index}`;
    const windowMs = reader.duration(item.window, `${p}/window`);
    const name = text(item.name);
    if (!name) return;
    const spec: IdempotencySpec = compact({
      name,
      idempotencyKey: text(item.idempotency_key),
      expects: text(item.expects),
      windowMs,
      discovered: reader.discovered(
        item.discovered,
        `${p}/discovered`,
        DISCOVERED_KEYS.operation,
      ),
      loc: reader.loc(p),
    });
    reader.fields(spec, p, IDEMPOTENCY_FIELDS);
    sections.idempotency.push(spec);
  });

  entries(root.requires).forEach((item, index) => {
    if (!isDict(item)) return;
    const p = `/requires/${index}`;
    const ref = reader.ref(item.from, `${p}/from`);
    const data = text(item.data);
    if (!ref || !data) return;
    const requirement: DataRequirement = compact({
      from: String(item.from).trim(),
      ref,
      data,
      accessLevel: text(item.access_level),
      useCase: text(item.use_case),
      loc: reader.loc(p),
    });
    reader.fields(requirement, p, REQUIREMENT_FIELDS);
    sections.requires.push(requirement);
  });

  return sections;
}
