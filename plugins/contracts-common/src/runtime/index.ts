/*
 * Runtime verification: measuring bound promises in Prometheus.
 */
export {
  bucketSelector,
  DEFAULT_OPENTELEMETRY_CONVENTIONS,
  DEFAULT_RUNTIME_SETTINGS,
  formatWindow,
  type Measurement,
  observationKey,
  type OpenTelemetryConventions,
  planMeasurements,
  promDuration,
  type RuntimeSettings,
} from './measurements';
export {
  keepLastGood,
  measure,
  measureAll,
  type PrometheusEndpoint,
  prometheusSource,
} from './prometheus';
