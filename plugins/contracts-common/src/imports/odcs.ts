/*
 * ODCS v3 data contracts (bitol-io/open-data-contract-standard, `kind: DataContract`,
 * `apiVersion: v3.x`): the objects of `schema[]` are datasets the entity provides.
 *
 *   slaProperties[] property `latency` (or `ly`, or `freshness`), value, unit, element
 *     → the freshness of the dataset named by `element` (`table` or `table.column`; default
 *       `slaDefaultElement`; else every object of `schema`). `m` is minutes here.
 *   property `retention` (or `rt`): checked (`m` is months there), not used by the rules.
 *   schema[].properties[] with `classification: pii` or a `pii` tag (or v2's `pii: true`)
 *     → the dataset's `pii` fields.
 */
import type { ContractSections } from '../parser/normalize';
import { describeType } from '../parser/yamlSource';
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
  type DatasetFacts,
  addDatasets,
  marksPii,
  setFreshness,
} from './datasets';
import { freshnessMs, retentionDays } from './units';

const FRESHNESS_PROPERTIES = new Set(['latency', 'ly', 'freshness']);
const RETENTION_PROPERTIES = new Set(['retention', 'rt']);

export function importOdcs(ctx: ImportContext): ContractSections {
  const sections = emptySections();
  const r = new ImportReader('odcs', ctx);
  const root = ctx.doc.value as Record<string, unknown>;
  const version = text(root.apiVersion);
  if (!version || !/^v?3\.\d+(\.\d+)?$/.test(version)) {
    r.report(
      '/apiVersion',
      `only ODCS v3 data contracts are read (\`apiVersion: v3.1.0\`), got ${
        version ? `\`${version}\`` : 'no version'
      }`,
    );
    return sections;
  }
  const datasets: DatasetFacts[] = [];
  const byName = new Map<string, DatasetFacts>();
  list(root.schema).forEach((object, index) => {
    const p = `/schema/${index}`;
    if (!isDict(object)) return;
    const name = r.requireText(
      object.name,
      `${p}/name`,
      'a schema object needs a `name`',
    );
    if (!name) return;
    const facts: DatasetFacts = {
      name,
      loc: r.loc(p),
      mark: r.mark(`${p}/name`),
      pii: [],
    };
    list(object.properties).forEach((property, i) => {
      const pp = `${p}/properties/${i}`;
      if (!isDict(property)) return;
      const tags = list(property.tags);
      const tagIndex = tags.findIndex(marksPii);
      const pii =
        marksPii(property.classification) ||
        tagIndex >= 0 ||
        property.pii === true;
      const field = text(property.name);
      if (pii && field) {
        facts.pii.push(field);
        let marked = `${pp}/pii`;
        if (marksPii(property.classification)) marked = `${pp}/classification`;
        else if (tagIndex >= 0) marked = `${pp}/tags/${tagIndex}`;
        facts.piiMark ??= r.mark(marked);
      }
    });
    datasets.push(facts);
    byName.set(name, facts);
  });

  const defaultElement = text(root.slaDefaultElement);
  list(root.slaProperties).forEach((sla, index) => {
    const p = `/slaProperties/${index}`;
    if (!isDict(sla)) return;
    const property = text(sla.property)?.toLowerCase();
    const isFreshness =
      property !== undefined && FRESHNESS_PROPERTIES.has(property);
    const isRetention =
      property !== undefined && RETENTION_PROPERTIES.has(property);
    if (!isFreshness && !isRetention) return; // availability, frequency… : no rule reads them yet
    const value = numeric(sla.value);
    if (value === undefined) {
      r.report(
        `${p}/value`,
        `\`${property}\` needs a number as its \`value\`, got ${
          typeof sla.value === 'string'
            ? `\`${sla.value}\``
            : describeType(sla.value)
        }`,
      );
      return;
    }
    const unit = text(sla.unit);
    if (isRetention) {
      const read = retentionDays(value, unit);
      if ('error' in read)
        r.report(sla.unit === undefined ? p : `${p}/unit`, read.error);
      return;
    }
    const read = freshnessMs(value, unit);
    if ('error' in read) {
      r.report(sla.unit === undefined ? p : `${p}/unit`, read.error);
      return;
    }
    const element = text(sla.element) ?? defaultElement;
    let targets: DatasetFacts[];
    if (element) {
      const names = element
        .split(',')
        .map(e => e.trim().split('.')[0])
        .filter(Boolean);
      targets = [];
      for (const name of new Set(names)) {
        const found = byName.get(name);
        if (found) targets.push(found);
        else
          r.report(
            sla.element === undefined ? '/slaDefaultElement' : `${p}/element`,
            `\`${element}\` names \`${name}\`, which is no object of \`schema\`${
              datasets.length
                ? ` (${datasets.map(d => `\`${d.name}\``).join(', ')})`
                : ''
            }`,
          );
      }
    } else if (datasets.length) {
      targets = datasets;
    } else {
      r.report(
        p,
        `\`${property}\` applies to no dataset: the contract has no \`schema\` objects and the property no \`element\``,
      );
      return;
    }
    for (const target of targets) {
      setFreshness(target, read.ms, r.mark(`${p}/value`), message =>
        r.report(`${p}/value`, message),
      );
    }
  });
  addDatasets(sections, datasets);
  return sections;
}
