import { type Config, readDurationFromConfig } from '@backstage/config';
import {
  DEFAULT_OPENTELEMETRY_CONVENTIONS,
  DEFAULT_RUNTIME_SETTINGS,
  type PrometheusEndpoint,
  type RuntimeSettings,
} from '@backstage-contracts/plugin-contracts-common';
import { toMilliseconds } from '../services/config';

/** What `contracts.runtime.prometheus` configures; undefined when no Prometheus is configured. */
export interface PrometheusRuntimeConfig {
  endpoints: PrometheusEndpoint[];
  settings: RuntimeSettings;
  /** How often the verification task runs. */
  intervalMs: number;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

/** A positive duration: seconds as a number, or `5m`, `PT5M`, `{ minutes: 5 }`. */
function readDurationMs(config: Config, key: string, fallback: number): number {
  if (!config.has(key)) return fallback;
  const value = config.get(key);
  const ms =
    typeof value === 'number'
      ? value * 1000
      : toMilliseconds(readDurationFromConfig(config, { key }));
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new Error(
      `contracts.runtime.prometheus.${key} must be a positive duration`,
    );
  }
  return ms;
}

/**
 * Reads `contracts.runtime.prometheus`: `url` or `urls` (replicas, tried in order), `headers`
 * (e.g. `Authorization`), `timeout`, `window`, `step`, `tolerance`, `interval` and the
 * OpenTelemetry conventions. Undefined when neither `url` nor `urls` is set: bindings then
 * change nothing.
 */
export function readPrometheusRuntimeConfig(
  root: Config,
): PrometheusRuntimeConfig | undefined {
  const config = root.getOptionalConfig('contracts.runtime.prometheus');
  if (!config) return undefined;
  const urls = [
    ...(config.has('url') ? [config.getString('url')] : []),
    ...(config.getOptionalStringArray('urls') ?? []),
  ];
  if (urls.length === 0) return undefined;
  for (const url of urls) {
    if (!URL.canParse(url)) {
      throw new Error(
        `contracts.runtime.prometheus: ${JSON.stringify(
          url,
        )} is not a URL (e.g. http://prometheus:9090)`,
      );
    }
  }
  const headers: Record<string, string> = {};
  const h = config.getOptionalConfig('headers');
  for (const key of h?.keys() ?? []) headers[key] = h!.getString(key);
  const timeoutMs = readDurationMs(config, 'timeout', DEFAULT_TIMEOUT_MS);
  const tolerance =
    config.getOptionalNumber('tolerance') ?? DEFAULT_RUNTIME_SETTINGS.tolerance;
  if (!(tolerance >= 0)) {
    throw new Error(
      'contracts.runtime.prometheus.tolerance must be a share, 0 or more (0.1 is 10 %)',
    );
  }
  const otel = config.getOptionalConfig('opentelemetry');
  return {
    endpoints: urls.map(url => ({ url, headers, timeoutMs })),
    intervalMs: readDurationMs(config, 'interval', DEFAULT_INTERVAL_MS),
    settings: {
      windowMs: readDurationMs(
        config,
        'window',
        DEFAULT_RUNTIME_SETTINGS.windowMs,
      ),
      stepMs: readDurationMs(config, 'step', DEFAULT_RUNTIME_SETTINGS.stepMs),
      tolerance,
      opentelemetry: {
        metric:
          otel?.getOptionalString('metric') ??
          DEFAULT_OPENTELEMETRY_CONVENTIONS.metric,
        serviceLabel:
          otel?.getOptionalString('serviceLabel') ??
          DEFAULT_OPENTELEMETRY_CONVENTIONS.serviceLabel,
        routeLabel:
          otel?.getOptionalString('routeLabel') ??
          DEFAULT_OPENTELEMETRY_CONVENTIONS.routeLabel,
        statusLabel:
          otel?.getOptionalString('statusLabel') ??
          DEFAULT_OPENTELEMETRY_CONVENTIONS.statusLabel,
      },
    },
  };
}
