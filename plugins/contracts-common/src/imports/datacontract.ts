/*
 * The datacontract.com specification (`dataContractSpecification: 0.9.x` / `1.x`), which ODCS
 * replaced: the `models` are datasets the entity provides.
 *
 *   servicelevels.freshness.threshold: 25h (timestampField `model.field` names the dataset;
 *     else every model) → the dataset's freshness; `servicelevels.latency.threshold` likewise
 *     when no freshness is given. Durations: ours (`30m` is minutes), `1d`, or ISO 8601 `PT1H`.
 *   servicelevels.retention.period: checked, not used by the rules.
 *   models.<m>.fields.<f>.pii: true (or classification `pii`) → the dataset's `pii` fields.
 */
import type { ContractSections } from '../parser/normalize';
import { describeType, pointerSegment } from '../parser/yamlSource';
import {
  type ImportContext,
  ImportReader,
  emptySections,
  isDict,
  text,
} from './context';
import {
  type DatasetFacts,
  addDatasets,
  marksPii,
  setFreshness,
} from './datasets';
import { durationMs } from './units';

export function importDataContract(ctx: ImportContext): ContractSections {
  const sections = emptySections();
  const r = new ImportReader('datacontract', ctx);
  const root = ctx.doc.value as Record<string, unknown>;
  const datasets: DatasetFacts[] = [];
  const byName = new Map<string, DatasetFacts>();
  if (isDict(root.models)) {
    for (const [name, model] of Object.entries(root.models)) {
      const p = `/models/${pointerSegment(name)}`;
      const facts: DatasetFacts = {
        name,
        loc: r.loc(p),
        mark: r.mark(p),
        pii: [],
      };
      if (isDict(model) && isDict(model.fields)) {
        for (const [field, spec] of Object.entries(model.fields)) {
          if (!isDict(spec)) continue;
          const fp = `${p}/fields/${pointerSegment(field)}`;
          if (spec.pii === true || marksPii(spec.classification)) {
            facts.pii.push(field);
            facts.piiMark ??= r.mark(
              spec.pii === true ? `${fp}/pii` : `${fp}/classification`,
            );
          }
        }
      }
      datasets.push(facts);
      byName.set(name, facts);
    }
  }
  const levels = isDict(root.servicelevels) ? root.servicelevels : undefined;
  if (levels) {
    if (isDict(levels.retention) && levels.retention.period !== undefined) {
      const period = text(levels.retention.period);
      const ok =
        period &&
        ((/^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/i.test(period) &&
          period.length > 1) ||
          !('error' in durationMs(period)) ||
          /^\d+\s*(years?|months?|days?)$/i.test(period));
      if (!ok) {
        r.report(
          '/servicelevels/retention/period',
          `expected a period such as \`P1Y\`, \`1 year\` or \`30d\`, got ${
            period ? `\`${period}\`` : describeType(levels.retention.period)
          }`,
        );
      }
    }
    let key: 'freshness' | 'latency' | undefined;
    if (isDict(levels.freshness)) key = 'freshness';
    else if (isDict(levels.latency)) key = 'latency';
    if (key) {
      const level = levels[key] as Record<string, unknown>;
      const p = `/servicelevels/${key}`;
      const written = text(level.threshold);
      const read = written === undefined ? undefined : durationMs(written);
      if (!read || 'error' in read) {
        r.report(
          `${p}/threshold`,
          read
            ? read.error
            : `\`${key}\` needs a \`threshold\` such as \`25h\``,
        );
      } else {
        const field = text(level.timestampField);
        let targets = datasets;
        if (field) {
          const model = field.split('.')[0];
          const found = byName.get(model);
          if (!found) {
            r.report(
              `${p}/timestampField`,
              `\`${field}\` names \`${model}\`, which is no model of \`models\``,
            );
            targets = [];
          } else targets = [found];
        } else if (!datasets.length) {
          r.report(
            p,
            `the ${key} applies to no dataset: the contract has no \`models\` and no \`timestampField\``,
          );
        }
        for (const target of targets) {
          setFreshness(target, read.ms, r.mark(`${p}/threshold`), message =>
            r.report(`${p}/threshold`, message),
          );
        }
      }
    }
  }
  addDatasets(sections, datasets);
  return sections;
}
