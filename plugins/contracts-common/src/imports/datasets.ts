/*
 * Shared by the data contract importers (ODCS, datacontract.com): the datasets a freshness
 * applies to, and the provided datasets they give.
 */
import type { ContractSections } from '../parser/normalize';
import type { ImportedAt, ProvidedDataset, SourceLocation } from '../types';
import { freshnessRaw } from './units';

/** What a data contract says of one of its datasets. */
export interface DatasetFacts {
  name: string;
  loc: SourceLocation;
  mark: ImportedAt;
  /** Fields carrying personal data, with where the first was marked. */
  pii: string[];
  piiMark?: ImportedAt;
  freshness?: { ms: number; mark: ImportedAt };
}

/** The datasets as provided datasets of the contract. */
export function addDatasets(
  sections: ContractSections,
  facts: DatasetFacts[],
): void {
  for (const f of facts) {
    const dataset: ProvidedDataset = {
      name: f.name,
      derivedFrom: [],
      imported: { dataset: f.mark },
      loc: f.loc,
    };
    if (f.freshness) {
      dataset.freshness = {
        maxMs: f.freshness.ms,
        raw: freshnessRaw(f.freshness.ms),
      };
      dataset.imported!.freshness = f.freshness.mark;
    }
    if (f.pii.length) {
      dataset.pii = f.pii.join(', ');
      if (f.piiMark) dataset.imported!.pii = f.piiMark;
    }
    sections.datasets.push(dataset);
  }
}

/** The tighter of two freshness promises on one dataset is not ours to choose: the first stays. */
export function setFreshness(
  target: DatasetFacts,
  ms: number,
  mark: ImportedAt,
  report: (message: string) => void,
): void {
  if (target.freshness && target.freshness.ms !== ms) {
    report(
      `dataset \`${target.name}\` is promised ${freshnessRaw(
        ms,
      )} here but ${freshnessRaw(target.freshness.ms)} at line ${
        target.freshness.mark.line ?? '?'
      }; the first is kept`,
    );
    return;
  }
  target.freshness ??= { ms, mark };
}

const PII_WORDS =
  /^(pii|personal[ _-]?data|personal|sensitive[ _-]?personal|gdpr)$/i;

/** Whether a classification or tag marks personal data. */
export function marksPii(value: unknown): boolean {
  return typeof value === 'string' && PII_WORDS.test(value.trim());
}
