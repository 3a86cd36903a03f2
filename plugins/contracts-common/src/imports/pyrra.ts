/*
 * Pyrra `ServiceLevelObjective` (pyrra.dev/v1alpha1): a latency objective is a promise on an
 * operation's latency at a percentile, read as its `latency.target`.
 *
 *   spec.target: "99"                           → the percentile, p99
 *   spec.indicator.latency.success.metric:
 *     http_request_duration_seconds_bucket{…, le="0.5"}  → 0.5 in the metric's unit (seconds)
 *   spec.indicator.latencyNative.latency: 500ms → the latency itself
 *
 * The operation is the `contracts.io/operation` annotation, else a label of the metric
 * (see {@link operationOf}). Ratio and boolean-gauge indicators promise no latency: skipped.
 */
import { formatDuration } from '../parser/grammar';
import type { ContractSections } from '../parser/normalize';
import type { ProvidedOperation } from '../types';
import {
  type ImportContext,
  ImportReader,
  emptySections,
  isDict,
  numeric,
  text,
} from './context';
import { operationOf, readSelector, unitOfMetric } from './metrics';
import { durationMs } from './units';

export function importPyrra(ctx: ImportContext): ContractSections {
  const sections = emptySections();
  const r = new ImportReader('pyrra', ctx);
  const root = ctx.doc.value as Record<string, unknown>;
  const spec = root.spec;
  if (!isDict(spec)) {
    r.report('/spec', 'a ServiceLevelObjective needs a `spec` mapping');
    return sections;
  }
  const indicator = isDict(spec.indicator) ? spec.indicator : undefined;
  if (!indicator) {
    r.report('/spec/indicator', 'a ServiceLevelObjective needs an `indicator`');
    return sections;
  }
  const latency = isDict(indicator.latency) ? indicator.latency : undefined;
  const native = isDict(indicator.latencyNative)
    ? indicator.latencyNative
    : undefined;
  if (!latency && !native) return sections; // a ratio or bool-gauge SLO: no latency promise

  const targetText = text(spec.target);
  const percentile = numeric(spec.target);
  if (percentile === undefined || !(percentile > 0 && percentile < 100)) {
    r.report(
      '/spec/target',
      `\`target\` must be the share of requests under the latency, in percent between 0 and 100 (e.g. "99"), got ${
        targetText === undefined ? 'nothing' : `\`${targetText}\``
      }`,
    );
    return sections;
  }

  let ms: number | undefined;
  let valuePointer: string;
  let selectors;
  if (latency) {
    valuePointer = '/spec/indicator/latency/success/metric';
    const success = isDict(latency.success)
      ? text(latency.success.metric)
      : undefined;
    const total = isDict(latency.total)
      ? text(latency.total.metric)
      : undefined;
    const s = success ? readSelector(success) : undefined;
    selectors = [s, total ? readSelector(total) : undefined];
    const le = s?.labels.le;
    if (!success || !s) {
      r.report(
        valuePointer,
        'a latency indicator needs `success.metric`, a histogram bucket with an `le` label',
      );
      return sections;
    }
    const bound = numeric(le);
    if (le === undefined || bound === undefined || !(bound > 0)) {
      r.report(
        valuePointer,
        le === undefined
          ? `the success metric \`${success}\` has no \`le\` label: which latency is promised?`
          : `the \`le\` label must be a positive number, got \`${le}\``,
      );
      return sections;
    }
    const unit = unitOfMetric(s.name);
    if (!unit) {
      r.report(
        valuePointer,
        `cannot tell the unit of \`le="${le}"\`: the metric \`${
          s.name ?? '(no name)'
        }\` ends in neither \`_seconds\` nor \`_milliseconds\``,
      );
      return sections;
    }
    ms = unit === 's' ? bound * 1000 : bound;
  } else {
    valuePointer = '/spec/indicator/latencyNative/latency';
    const written = text(native!.latency);
    const total = isDict(native!.total)
      ? text(native!.total.metric)
      : undefined;
    selectors = [total ? readSelector(total) : undefined];
    const read = written === undefined ? undefined : durationMs(written);
    if (!read || 'error' in read) {
      r.report(
        valuePointer,
        read
          ? read.error
          : '`latencyNative.latency` needs a duration such as `500ms`',
      );
      return sections;
    }
    ms = read.ms;
  }

  const op = operationOf(root.metadata, selectors);
  if (!op) {
    r.report(
      '/metadata',
      'the SLO names no operation: add the annotation `contracts.io/operation: <name>` (or match the metric on an `operation`, `grpc_method`, `handler` or `route` label)',
    );
    return sections;
  }
  const latencyMs = Number(ms.toFixed(3));
  const operation: ProvidedOperation = {
    name: op.name,
    current: [],
    target: [{ percentile, ms: latencyMs }],
    targetRaw: `p${percentile}=${formatDuration(latencyMs)}`,
    imported: {
      name: r.mark('/metadata'),
      'latency.target': r.mark(valuePointer),
    },
    loc: r.loc('/spec'),
  };
  sections.operations.push(operation);
  return sections;
}
