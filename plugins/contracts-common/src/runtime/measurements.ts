/*
 * What to measure for the bound promises of a catalog (`latency.metric`, `freshness.metric`):
 * one PromQL query per operation and percentile, or per dataset. Pure: the backend's scheduler
 * task and `contracts check --prometheus` both plan with it and run the plan with
 * `measure` (prometheus.ts).
 */
import { entityName } from '../engine/format';
import type {
  Availability,
  EntityContract,
  MetricBinding,
  Observation,
} from '../types';

/**
 * The OpenTelemetry conventions the default binding (`metric: opentelemetry`, `{ route }`)
 * assumes: the HTTP server duration histogram `http.server.request.duration` (seconds) as
 * Prometheus names it (`http_server_request_duration_seconds`, with `_bucket` series), the
 * resource attribute `service.name` as the `job` label (what Prometheus' OTLP receiver and the
 * Collector's Prometheus exporters make of it) and the attribute `http.route` as `http_route`.
 * @public
 */
export interface OpenTelemetryConventions {
  /** The histogram's Prometheus name, without `_bucket`. Default `http_server_request_duration_seconds`. */
  metric: string;
  /** The label holding `service.name`. Default `job`. */
  serviceLabel: string;
  /** The label holding `http.route`. Default `http_route`. */
  routeLabel: string;
  /** The label holding `http.response.status_code` (availability). Default `http_response_status_code`. */
  statusLabel: string;
}

/**
 * How bound promises are measured.
 * @public
 */
export interface RuntimeSettings {
  /** The window a value is measured over. Default 7 days. */
  windowMs: number;
  /** The step of the window's series (the sparkline; rates within it). Default 5 minutes. */
  stepMs: number;
  /** How much worse than promised an observed value may be before `promise-drift`. Default 0.1 (10 %). */
  tolerance: number;
  opentelemetry: OpenTelemetryConventions;
}

/** @public */
export const DEFAULT_OPENTELEMETRY_CONVENTIONS: OpenTelemetryConventions = {
  metric: 'http_server_request_duration_seconds',
  serviceLabel: 'job',
  routeLabel: 'http_route',
  statusLabel: 'http_response_status_code',
};

/** @public */
export const DEFAULT_RUNTIME_SETTINGS: RuntimeSettings = {
  windowMs: 7 * 24 * 3600_000,
  stepMs: 5 * 60_000,
  tolerance: 0.1,
  opentelemetry: DEFAULT_OPENTELEMETRY_CONVENTIONS,
};

/**
 * One query to run for one bound promise.
 * @public
 */
export interface Measurement {
  entityRef: string;
  kind: Observation['kind'];
  /** The operation or dataset. */
  subject: string;
  /** `latency`: the percentile. */
  percentile?: number;
  /** The instant query giving the value over the whole window. */
  query: string;
  /** The query whose range over the window, at the step, is the sparkline. */
  seriesQuery: string;
  /** Multiplies the query's result into milliseconds (1000 for seconds); availability: into percent (100 for a ratio). */
  toMs: number;
  binding: MetricBinding;
}

/** The key of a measurement (and of its observation) within one entity. */
export function observationKey(o: {
  kind: string;
  subject: string;
  percentile?: number;
}): string {
  return `${o.kind}|${o.subject}|${o.percentile ?? ''}`;
}

/** A duration as PromQL writes it: `7d`, `5m`, `90s`, `250ms`. */
export function promDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.max(1, Math.round(ms))}ms`;
}

/** A window as findings write it: `7 d`, `6 h`, `30 min`, `45 s`. */
export function formatWindow(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size) return `${Math.round((ms / size) * 10) / 10} ${unit}`;
  }
  return `${ms} ms`;
}

/** A PromQL string literal's content. */
function labelValue(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

/** `risk_seconds{job="risk"}` → `risk_seconds_bucket{job="risk"}`; undefined when not a selector. */
export function bucketSelector(histogram: string): string | undefined {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[\s\S]*\})?\s*$/.exec(
    histogram,
  );
  if (!m) return undefined;
  const name = m[1].endsWith('_bucket') ? m[1] : `${m[1]}_bucket`;
  return `${name}${m[2] ?? ''}`;
}

/** The OpenTelemetry labels of a binding: its `service.name` and, when it names one, its route. */
function otelLabels(
  binding: MetricBinding,
  entityRef: string,
  otel: OpenTelemetryConventions,
): string[] {
  const labels = [
    `${otel.serviceLabel}="${labelValue(
      binding.service ?? entityName(entityRef),
    )}"`,
  ];
  if (binding.route) {
    labels.push(`${otel.routeLabel}="${labelValue(binding.route)}"`);
  }
  return labels;
}

/**
 * The availabilities a contract promises: the service's (subject `*`) and each provided
 * operation's, as observations name them.
 */
export function availabilityPromises(
  contract: EntityContract,
): Array<{ subject: string; availability: Availability }> {
  const out: Array<{ subject: string; availability: Availability }> = [];
  if (contract.availability) {
    out.push({ subject: '*', availability: contract.availability });
  }
  for (const op of contract.operations) {
    if (op.availability) {
      out.push({ subject: op.name, availability: op.availability });
    }
  }
  return out;
}

/** A latency query with `$quantile` and `$window` still to fill in. */
function latencyTemplate(
  binding: MetricBinding,
  entityRef: string,
  otel: OpenTelemetryConventions,
): string {
  if (binding.kind === 'query') return binding.query!;
  let selector: string;
  if (binding.kind === 'histogram') {
    selector =
      bucketSelector(binding.histogram!) ??
      // not a selector: run as written, Prometheus says what is wrong
      binding.histogram!;
  } else {
    selector = `${otel.metric}_bucket{${otelLabels(
      binding,
      entityRef,
      otel,
    ).join(',')}}`;
  }
  return `histogram_quantile($quantile, sum by (le) (rate(${selector}[$window])))`;
}

/**
 * An availability query with `$window` still to fill in: the OpenTelemetry default is the share
 * of the service's (route's) requests not answered 5xx, from the duration histogram's `_count`.
 */
function availabilityTemplate(
  binding: MetricBinding,
  entityRef: string,
  otel: OpenTelemetryConventions,
): string {
  if (binding.kind === 'query') return binding.query!;
  const labels = otelLabels(binding, entityRef, otel);
  const all = `${otel.metric}_count{${labels.join(',')}}`;
  const ok = `${otel.metric}_count{${[
    ...labels,
    `${otel.statusLabel}!~"5.."`,
  ].join(',')}}`;
  return `sum(rate(${ok}[$window])) / sum(rate(${all}[$window]))`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\$(quantile|window|step)\b/g, (all, name) =>
    name in values ? values[name] : all,
  );
}

/** The percentiles to measure an operation at: what its provider declares and its callers budget. */
function percentilesOf(
  contract: EntityContract,
  operation: string,
  budgets: Map<string, Set<number>>,
): number[] {
  const set = new Set<number>();
  const op = contract.operations.find(o => o.name === operation);
  for (const l of [...(op?.current ?? []), ...(op?.target ?? [])]) {
    set.add(l.percentile);
  }
  for (const p of budgets.get(
    `${contract.entityRef.toLowerCase()}#${operation}`,
  ) ?? []) {
    set.add(p);
  }
  if (set.size === 0) set.add(95);
  return [...set].sort((a, b) => a - b);
}

/**
 * The measurements of every bound promise of `contracts`: each bound operation at the
 * percentiles its provider declares (`current`, `target`) and its callers' budgets name (p95
 * when none), each bound dataset's age.
 * @public
 */
export function planMeasurements(
  contracts: EntityContract[],
  settings: RuntimeSettings = DEFAULT_RUNTIME_SETTINGS,
): Measurement[] {
  const budgets = new Map<string, Set<number>>();
  for (const c of contracts) {
    for (const d of c.dependsOn) {
      if (!d.operation) continue;
      const key = `${d.ref.toLowerCase()}#${d.operation}`;
      const set = budgets.get(key) ?? new Set<number>();
      for (const b of d.budget) set.add(b.percentile);
      budgets.set(key, set);
    }
  }
  const window = promDuration(settings.windowMs);
  const step = promDuration(settings.stepMs);
  const out: Measurement[] = [];
  for (const c of contracts) {
    for (const op of c.operations) {
      const binding = op.latencyMetric;
      if (!binding) continue;
      const template = latencyTemplate(
        binding,
        c.entityRef,
        settings.opentelemetry,
      );
      const toMs = binding.unit === 'ms' ? 1 : 1000;
      const percentiles =
        binding.percentile !== undefined
          ? [binding.percentile]
          : percentilesOf(c, op.name, budgets);
      for (const percentile of percentiles) {
        const quantile = String(Math.round(percentile * 1000) / 100000);
        out.push({
          entityRef: c.entityRef,
          kind: 'latency',
          subject: op.name,
          percentile,
          query: fill(template, { quantile, window, step }),
          seriesQuery: fill(template, { quantile, window: step, step }),
          toMs,
          binding,
        });
      }
    }
    for (const { subject, availability } of availabilityPromises(c)) {
      const binding = availability.metric;
      if (!binding) continue;
      const template = availabilityTemplate(
        binding,
        c.entityRef,
        settings.opentelemetry,
      );
      out.push({
        entityRef: c.entityRef,
        kind: 'availability',
        subject,
        query: fill(template, { window, step }),
        seriesQuery: fill(template, { window: step, step }),
        toMs: binding.unit === '%' ? 1 : 100,
        binding,
      });
    }
    for (const ds of c.datasets) {
      const binding = ds.freshnessMetric;
      if (!binding?.query) continue;
      const q = binding.query;
      out.push({
        entityRef: c.entityRef,
        kind: 'freshness',
        subject: ds.name,
        query: /\$window\b/.test(q)
          ? fill(q, { window, step })
          : `max_over_time((${q})[${window}:${step}])`,
        seriesQuery: fill(q, { window: step, step }),
        toMs: binding.unit === 'ms' ? 1 : 1000,
        binding,
      });
    }
  }
  return out;
}
