/*
 * Reads the values of one contract document with the grammar: every fault a located problem,
 * and where each field of a normalized item was written.
 */
import type {
  Availability,
  ContractDependency,
  DiscoveredMarks,
  LatencyBound,
  MetricBinding,
  SourceLocation,
} from '../types';
import {
  type GrammarResult,
  parseAvailability,
  parseDurationText,
  parseFreshness,
  parseFreshnessParts,
  parseLatencyBounds,
  parsePercentile,
  parsePercentileLatencies,
  parseRetry,
} from './grammar';
import { resolveContractRef } from './refs';
import { unknownKeyMessage } from './suggest';
import {
  type LocatedDocument,
  describeType,
  locateIn,
  pointerSegment,
} from './yamlSource';

import { readMetric } from './metricBinding';
import { cachedRead, compact, type Dict, isDict, text } from './values';

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

const PERCENTILE_KEY = /^[pP]\d+(?:\.\d+)?$/;
/** `path:line` or `path:line:column`, where a discovered value was found. */
const DISCOVERED_AT = /^(\S.*?):(\d+)(?::(\d+))?$/;
const BUDGET_LEVELS = ['target', 'acceptable', 'maximum'] as const;
/** The keys of `depends_on[].retry` written as a mapping. */
const RETRY_KEYS = [
  'max_attempts',
  'backoff',
  'per_try_timeout',
  'retry_on',
] as const;
/** The keys of `availability` written as a mapping. */
const AVAILABILITY_KEYS = ['promise', 'metric'];
export class DocumentReader {
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

  /** `latency.metric` / `freshness.metric` / `availability.metric`: see {@link readMetric}. */
  metric(
    value: unknown,
    pointer: string,
    of: 'latency' | 'freshness' | 'availability',
  ): MetricBinding | undefined {
    return readMetric(this, value, pointer, of);
  }

  /** Reports a fault at `pointer` (at its key with `atKey`). */
  report(pointer: string, message: string, atKey?: boolean): void {
    this.ctx.report(pointer, message, atKey);
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
