/*
 * `latency.metric`, `freshness.metric` and `availability.metric`: how a promise is measured in
 * Prometheus, read with located problems.
 */
import type { MetricBinding, SourceLocation } from '../types';
import { type GrammarResult, parsePercentile } from './grammar';
import { unknownKeyMessage } from './suggest';
import { cachedRead, compact, isDict } from './values';
import { describeType, pointerSegment } from './yamlSource';

/** What reading a metric needs of the document reader. */
export interface MetricReader {
  loc(pointer: string): SourceLocation;
  take<T>(result: GrammarResult<T>, pointer: string): T | undefined;
  report(pointer: string, message: string, atKey?: boolean): void;
}

/** The keys of a metric binding (`latency.metric`, `freshness.metric`) written as a mapping. */
const METRIC_KEYS = {
  latency: ['query', 'histogram', 'service', 'route', 'percentile', 'unit'],
  freshness: ['query', 'unit'],
  availability: ['query', 'service', 'route', 'unit'],
};
/**
 * `latency.metric` / `freshness.metric`: how a promise is measured in Prometheus. A string is
 * a PromQL query (`opentelemetry`: the OpenTelemetry defaults, latency only); a mapping names
 * a `query`, a `histogram` or (latency) the OpenTelemetry `service` / `route`, and a `unit`.
 */
export function readMetric(
  reader: MetricReader,
  value: unknown,
  pointer: string,
  of: 'latency' | 'freshness' | 'availability',
): MetricBinding | undefined {
  if (value === undefined) return undefined;
  const loc = reader.loc(pointer);
  if (typeof value === 'string') {
    const written = value.trim();
    if (!written) {
      reader.report(pointer, 'empty metric: expected a PromQL query');
      return undefined;
    }
    if (written === 'opentelemetry') {
      if (of === 'freshness') {
        reader.report(
          pointer,
          'OpenTelemetry has no convention for the age of a dataset: write the PromQL query that gives it (e.g. a replica lag gauge in seconds)',
        );
        return undefined;
      }
      return { kind: 'opentelemetry', loc };
    }
    if (of === 'availability' && !written.includes('$window')) {
      reader.report(
        pointer,
        'an availability query must use `$window` and give the success ratio over it (0..1, or `unit: %`), e.g. `sum(rate(x_count{code!~"5.."}[$window])) / sum(rate(x_count[$window]))`',
      );
      return undefined;
    }
    if (of === 'latency' && !written.includes('$quantile')) {
      reader.report(
        pointer,
        'a latency query must use `$quantile` (e.g. `histogram_quantile($quantile, sum by (le) (rate(x_bucket[$window])))`), or be written as `{ query: …, percentile: p95 }`',
      );
      return undefined;
    }
    return { kind: 'query', query: written, loc };
  }
  if (!isDict(value)) {
    reader.report(
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
      reader.report(at, unknownKeyMessage(key, keys), true);
      faulty = true;
    } else if (typeof written !== 'string' || !written.trim()) {
      reader.report(at, `expected a text, got ${describeType(written)}`);
      faulty = true;
    } else {
      fields[key] = written.trim();
    }
  }
  if (faulty) return undefined;
  const unit = fields.unit;
  if (of === 'availability') {
    if (unit !== undefined && unit !== 'ratio' && unit !== '%') {
      reader.report(
        `${pointer}/unit`,
        `unknown unit \`${unit}\`: expected \`ratio\` (0..1) or \`%\``,
      );
      return undefined;
    }
    if (fields.query && (fields.service || fields.route)) {
      reader.report(
        pointer,
        '`query` and the OpenTelemetry `service`/`route` together: a metric is one of them',
      );
      return undefined;
    }
    if (fields.query && !fields.query.includes('$window')) {
      reader.report(
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
    reader.report(
      `${pointer}/unit`,
      `unknown unit \`${unit}\`: expected \`s\` or \`ms\``,
    );
    return undefined;
  }
  const given = ['query', 'histogram'].filter(k => fields[k] !== undefined);
  const otel = ['service', 'route'].filter(k => fields[k] !== undefined);
  if (given.length > 1 || (given.length && otel.length)) {
    reader.report(
      pointer,
      `\`${[...given, ...otel].join(
        '` and `',
      )}\` together: a metric is one of a \`query\`, a \`histogram\` or the OpenTelemetry \`service\`/\`route\``,
    );
    return undefined;
  }
  if (of === 'freshness' && !fields.query) {
    reader.report(pointer, 'expected `query`: the PromQL query giving the age');
    return undefined;
  }
  let percentile: number | undefined;
  if (fields.percentile !== undefined) {
    percentile = reader.take(
      cachedRead(parsePercentile, fields.percentile),
      `${pointer}/percentile`,
    );
    if (percentile === undefined) return undefined;
    if (!fields.query || fields.query.includes('$quantile')) {
      reader.report(
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
    reader.report(
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
