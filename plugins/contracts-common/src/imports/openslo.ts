/*
 * OpenSLO v1 `SLO` (apiVersion openslo/v1): a threshold objective bounding latency from above
 * is a promise on an operation's latency at a percentile, read as its `latency.target`.
 *
 *   objectives[].op: lt | lte, value: 0.3, target: 0.95 → p95 = 300ms (value in the unit)
 *   objectives[].targetPercent: 95                      → the same percentile
 *
 * The unit of `value` is the `contracts.io/unit` annotation (`ms` or `s`), else what the name
 * of the threshold metric says (`…_seconds`, `…_milliseconds`). The operation is the
 * `contracts.io/operation` annotation, else a label of the metric (see {@link operationOf}).
 * Ratio objectives (no `op`) promise no latency: skipped. Other kinds (Service, SLI…): nothing.
 */
import { formatDuration } from '../parser/grammar';
import type { ContractSections } from '../parser/normalize';
import type { PercentileLatency } from '../types';
import {
  type ImportContext,
  ImportReader,
  emptySections,
  isDict,
  list,
  numeric,
  text,
} from './context';
import {
  UNIT_ANNOTATION,
  annotation,
  operationOf,
  readSelector,
  unitOfMetric,
} from './metrics';

function thresholdQuery(indicator: unknown): string | undefined {
  if (!isDict(indicator) || !isDict(indicator.spec)) return undefined;
  const metric = indicator.spec.thresholdMetric;
  if (!isDict(metric) || !isDict(metric.metricSource)) return undefined;
  const source = metric.metricSource.spec;
  if (!isDict(source)) return undefined;
  return text(source.query) ?? text(source.promql) ?? text(source.metric);
}

export function importOpenSlo(ctx: ImportContext): ContractSections {
  const sections = emptySections();
  const r = new ImportReader('openslo', ctx);
  const root = ctx.doc.value as Record<string, unknown>;
  if (root.apiVersion !== 'openslo/v1') {
    r.report(
      '/apiVersion',
      `only OpenSLO \`openslo/v1\` is read, got \`${String(root.apiVersion)}\``,
    );
    return sections;
  }
  if (root.kind !== 'SLO') return sections;
  const spec = root.spec;
  if (!isDict(spec)) {
    r.report('/spec', 'an SLO needs a `spec` mapping');
    return sections;
  }
  const query = thresholdQuery(spec.indicator);
  const selector = query ? readSelector(query) : undefined;
  const annotatedUnit = annotation(root.metadata, UNIT_ANNOTATION);
  const targets: PercentileLatency[] = [];
  let firstPointer: string | undefined;
  list(spec.objectives).forEach((objective, index) => {
    const p = `/spec/objectives/${index}`;
    if (!isDict(objective) || objective.op === undefined) return; // a ratio objective
    const op = text(objective.op);
    if (op !== 'lt' && op !== 'lte') {
      r.report(
        `${p}/op`,
        `a latency objective bounds from above: \`op\` must be \`lt\` or \`lte\`, got \`${String(
          objective.op,
        )}\``,
      );
      return;
    }
    const value = numeric(objective.value);
    if (value === undefined || !(value > 0)) {
      r.report(
        `${p}/value`,
        `\`value\` must be a positive number, got \`${String(
          objective.value,
        )}\``,
      );
      return;
    }
    let percentile: number | undefined;
    if (objective.targetPercent !== undefined) {
      percentile = numeric(objective.targetPercent);
      if (percentile === undefined || !(percentile > 0 && percentile < 100)) {
        r.report(
          `${p}/targetPercent`,
          `\`targetPercent\` must be between 0 and 100, got \`${String(
            objective.targetPercent,
          )}\``,
        );
        return;
      }
    } else {
      const ratio = numeric(objective.target);
      if (ratio === undefined || !(ratio > 0 && ratio < 1)) {
        r.report(
          `${p}/target`,
          `\`target\` must be a ratio between 0 and 1 (e.g. 0.95 for p95), got \`${String(
            objective.target,
          )}\``,
        );
        return;
      }
      percentile = Number((ratio * 100).toFixed(4));
    }
    let unit: string | undefined = annotatedUnit;
    if (unit !== undefined && unit !== 'ms' && unit !== 's') {
      r.report(
        '/metadata/annotations',
        `the annotation \`${UNIT_ANNOTATION}\` must be \`ms\` or \`s\`, got \`${unit}\``,
      );
      return;
    }
    unit ??= unitOfMetric(selector?.name);
    if (!unit) {
      r.report(
        `${p}/value`,
        `cannot tell the unit of \`value: ${value}\`: add the annotation \`${UNIT_ANNOTATION}: ms\` (or \`s\`), or use a threshold metric named \`…_seconds\` or \`…_milliseconds\``,
      );
      return;
    }
    const ms = Number((unit === 's' ? value * 1000 : value).toFixed(3));
    if (targets.some(t => t.percentile === percentile && t.ms !== ms)) {
      r.report(
        `${p}`,
        `two objectives promise different latencies at p${percentile}`,
      );
      return;
    }
    if (!targets.some(t => t.percentile === percentile))
      targets.push({ percentile, ms });
    firstPointer ??= `${p}/value`;
  });
  if (!targets.length) return sections;
  const op = operationOf(root.metadata, [selector]);
  if (!op) {
    r.report(
      '/metadata',
      'the SLO names no operation: add the annotation `contracts.io/operation: <name>` (or match the metric on an `operation`, `grpc_method`, `handler` or `route` label)',
    );
    return sections;
  }
  targets.sort((a, b) => a.percentile - b.percentile);
  sections.operations.push({
    name: op.name,
    current: [],
    target: targets,
    targetRaw: targets
      .map(t => `p${t.percentile}=${formatDuration(t.ms)}`)
      .join(', '),
    imported: {
      name: r.mark('/metadata'),
      'latency.target': r.mark(firstPointer!),
    },
    loc: r.loc('/spec'),
  });
  return sections;
}
