/*
 * What an SLO's Prometheus metric says about the operation and the unit it measures.
 */
import { isDict, text } from './context';

/**
 * The annotation (on an SLO's `metadata`) naming the operation the SLO is about.
 * @public
 */
export const OPERATION_ANNOTATION = 'contracts.io/operation';
/**
 * The annotation (on an SLO's `metadata`) naming the unit of its threshold: `ms` or `s`.
 * @public
 */
export const UNIT_ANNOTATION = 'contracts.io/unit';

/** Labels that name an operation, in the order they are looked at. */
const OPERATION_LABELS = [
  'operation',
  'grpc_method',
  'rpc_method',
  'rpc',
  'handler',
  'route',
  'http_route',
];

export interface Selector {
  name?: string;
  /** Labels matched for equality (`=`); regex and negative matchers are left out. */
  labels: Record<string, string>;
}

const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^{}]*)\}/;
const MATCHER =
  /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"/g;
const BARE_NAME = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/;

/** The first selector of a PromQL text: `http_request_duration_seconds_bucket{job="risk",le="0.5"}`. */
export function readSelector(query: string): Selector | undefined {
  const bare = BARE_NAME.exec(query);
  if (bare) return { name: bare[1], labels: {} };
  const m = SELECTOR.exec(query);
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  for (const matcher of m[2].matchAll(MATCHER)) {
    if (matcher[2] === '=')
      labels[matcher[1]] = matcher[3].replace(/\\(.)/g, '$1');
  }
  return { name: m[1], labels };
}

/** The unit a metric's name says it measures in (Prometheus naming): `s`, `ms` or unknown. */
export function unitOfMetric(name: string | undefined): 's' | 'ms' | undefined {
  if (!name) return undefined;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  if (/_seconds$/.test(base)) return 's';
  if (/_(milliseconds|ms)$/.test(base)) return 'ms';
  return undefined;
}

/** An annotation of a Kubernetes-style `metadata`, if it is a text. */
export function annotation(metadata: unknown, key: string): string | undefined {
  if (!isDict(metadata) || !isDict(metadata.annotations)) return undefined;
  return text(metadata.annotations[key]);
}

/**
 * The operation an SLO is about: its `contracts.io/operation` annotation, else the first of the
 * labels `operation`, `grpc_method`, `rpc_method`, `rpc`, `handler`, `route`, `http_route` its
 * metric matches on.
 */
export function operationOf(
  metadata: unknown,
  selectors: Array<Selector | undefined>,
): { name: string; from: string } | undefined {
  const annotated = annotation(metadata, OPERATION_ANNOTATION);
  if (annotated)
    return { name: annotated, from: `annotation ${OPERATION_ANNOTATION}` };
  for (const label of OPERATION_LABELS) {
    for (const s of selectors) {
      const value = s?.labels[label];
      if (value) return { name: value, from: `label ${label}` };
    }
  }
  return undefined;
}
