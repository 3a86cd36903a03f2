/*
 * Runs measurements against the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`)
 * with the platform's `fetch` (Node 18+ and browsers have it): one way for the backend's
 * scheduler task and the CLI. Every failure becomes a status of the observation, never an
 * exception: unreachable, slow (timeout), a query error, nothing returned, several series.
 */
import type { Observation } from '../types';
import {
  type Measurement,
  observationKey,
  promDuration,
  type RuntimeSettings,
} from './measurements';

/**
 * A Prometheus server to query.
 * @public
 */
export interface PrometheusEndpoint {
  /** e.g. `http://prometheus:9090` (a path prefix is kept: `https://host/prometheus`). */
  url: string;
  /** Sent with every request, e.g. `{ Authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /** The longest one request may take. Default 10 s. */
  timeoutMs?: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** The URL as observations name it: without credentials, query or fragment. */
export function prometheusSource(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

interface PromSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

class QueryError extends Error {}

/** The most points of a measurement's series (its sparkline). */
const MAX_SERIES_POINTS = 250;

function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

async function call(
  endpoint: PrometheusEndpoint,
  path: string,
  params: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ resultType: string; result: PromSample[] }> {
  const timeoutMs = endpoint.timeoutMs ?? 10_000;
  const base = endpoint.url.replace(/\/+$/, '');
  const timeout = AbortSignal.timeout(timeoutMs);
  const signals = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await (endpoint.fetch ?? fetch)(`${base}${path}`, {
      method: 'POST',
      headers: {
        ...endpoint.headers,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams(params).toString(),
      signal: signals,
    });
  } catch (error) {
    if (timeout.aborted) {
      throw new QueryError(
        `Prometheus at ${prometheusSource(
          endpoint.url,
        )} did not answer within ${timeoutMs} ms`,
      );
    }
    const cause = (error as { cause?: { code?: string; message?: string } })
      ?.cause;
    throw new QueryError(
      `Prometheus at ${prometheusSource(endpoint.url)} is unreachable: ${
        cause?.code ?? cause?.message ?? (error as Error)?.message ?? error
      }`,
    );
  }
  let body: any;
  try {
    body = await response.json();
  } catch {
    throw new QueryError(
      `Prometheus at ${prometheusSource(endpoint.url)} answered ${
        response.status
      } ${response.statusText} without a JSON body`,
    );
  }
  if (body?.status !== 'success') {
    throw new QueryError(
      `Prometheus rejected the query (${response.status}${
        body?.errorType ? ` ${body.errorType}` : ''
      }): ${body?.error ?? 'no error message'}`,
    );
  }
  return body.data;
}

function labels(metric: Record<string, string>): string {
  return `{${Object.entries(metric)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

/**
 * Runs one measurement: the window's value (an instant query at `now`) and its series (a range
 * query over the window at the step, for the sparkline). A value Prometheus cannot give (no
 * sample, `NaN` — no request in the window —, several series) is not a value: the status says
 * which, with the query.
 * @public
 */
export async function measure(
  m: Measurement,
  endpoint: PrometheusEndpoint,
  settings: Pick<RuntimeSettings, 'windowMs' | 'stepMs'>,
  now: Date = new Date(),
  signal?: AbortSignal,
): Promise<Observation> {
  const nowS = now.getTime() / 1000;
  const base: Observation = {
    kind: m.kind,
    subject: m.subject,
    ...(m.percentile !== undefined ? { percentile: m.percentile } : {}),
    status: 'ok',
    checkedAt: now.toISOString(),
    window: promDuration(settings.windowMs),
    windowMs: settings.windowMs,
    step: promDuration(settings.stepMs),
    query: m.query,
    source: prometheusSource(endpoint.url),
  };
  try {
    const data = await call(
      endpoint,
      '/api/v1/query',
      { query: m.query, time: String(nowS) },
      signal,
    );
    const result = data.result ?? [];
    if (data.resultType === 'scalar') {
      result.splice(0, result.length, {
        metric: {},
        value: data.result as unknown as [number, string],
      });
    }
    if (result.length === 0) {
      return {
        ...base,
        status: 'no-data',
        error: `the query returned nothing over ${base.window}`,
      };
    }
    if (result.length > 1) {
      return {
        ...base,
        status: 'several-series',
        error: `the query returned ${result.length} series (${result
          .map(r => labels(r.metric))
          .sort() // Prometheus gives them in no set order
          .slice(0, 3)
          .join(', ')}${
          result.length > 3 ? ', …' : ''
        }); it must give one: aggregate them, e.g. sum by (le) (…)`,
      };
    }
    const value = Number(result[0].value?.[1]);
    if (!Number.isFinite(value)) {
      return {
        ...base,
        status: 'no-data',
        error: `the query gave ${result[0].value?.[1]} (no samples over ${base.window})`,
      };
    }
    // The sparkline: at most MAX_SERIES_POINTS points (Prometheus refuses more than 11,000, and
    // a card needs a few hundred); a range query that fails leaves the value as it is.
    const resolutionMs = Math.max(
      settings.stepMs,
      Math.ceil(settings.windowMs / MAX_SERIES_POINTS / 1000) * 1000,
    );
    let series: Array<[number, number]> = [];
    try {
      const range = await call(
        endpoint,
        '/api/v1/query_range',
        {
          query: m.seriesQuery,
          // whole steps back from now: the last point is the latest value
          start: String(
            nowS -
              (Math.floor(settings.windowMs / resolutionMs) * resolutionMs) /
                1000,
          ),
          end: String(nowS),
          step: String(resolutionMs / 1000),
        },
        signal,
      );
      if (range.result?.length === 1) {
        series = (range.result[0].values ?? [])
          .map(([t, v]): [number, number] => [t, Number(v) * m.toMs])
          .filter(([, v]) => Number.isFinite(v));
      }
    } catch {
      // no sparkline this time
    }
    return {
      ...base,
      value: value * m.toMs,
      measuredAt: base.checkedAt,
      series,
    };
  } catch (error) {
    if (error instanceof QueryError) {
      return { ...base, status: 'failing', error: error.message };
    }
    return {
      ...base,
      status: 'failing',
      error: String((error as Error)?.message ?? error),
    };
  }
}

/**
 * The observation to keep: the new one, or — when it has no value (failing, nothing returned)
 * — the new status with the last good value, its time and series.
 * @public
 */
export function keepLastGood(
  previous: Observation | undefined,
  next: Observation,
): Observation {
  if (next.value !== undefined || previous?.value === undefined) return next;
  if (observationKey(previous) !== observationKey(next)) return next;
  return {
    ...next,
    value: previous.value,
    measuredAt: previous.measuredAt,
    series: previous.series,
  };
}

/**
 * Runs every measurement, a few at a time, and groups the observations by entity ref. With
 * several endpoints (replicas of one Prometheus), a measurement that fails on one is tried on
 * the next; a query Prometheus answered (even with nothing) is not retried.
 * @public
 */
export async function measureAll(
  measurements: Measurement[],
  endpoints: PrometheusEndpoint | PrometheusEndpoint[],
  settings: Pick<RuntimeSettings, 'windowMs' | 'stepMs'>,
  options: { now?: Date; signal?: AbortSignal; concurrency?: number } = {},
): Promise<Map<string, Observation[]>> {
  const out = new Map<string, Observation[]>();
  const queue = [...measurements];
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      let o: Observation | undefined;
      for (const endpoint of list(endpoints)) {
        o = await measure(m, endpoint, settings, options.now, options.signal);
        if (o.status !== 'failing' || options.signal?.aborted) break;
      }
      if (!o) continue;
      const observed = out.get(m.entityRef) ?? [];
      observed.push(o);
      out.set(m.entityRef, observed);
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.min(options.concurrency ?? 4, measurements.length) },
      worker,
    ),
  );
  for (const observed of out.values()) {
    observed.sort((a, b) => observationKey(a).localeCompare(observationKey(b)));
  }
  return out;
}
