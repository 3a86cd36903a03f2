/*
 * `--decisions DIR`: decision records exported from the portal as MADR files (`NNNN-title.md`),
 * committed next to the contracts. The front matter says which finding a record answers
 * (`fingerprint`), on which evidence (`evidence-hash`), its `status` and `review-by`; the
 * engine's decision logic does the rest, as with the JSON export. ADRs written by hand (no
 * `fingerprint`) are skipped; a record of ours that is malformed is a usage error naming the
 * file, line and column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import {
  type DecisionRecord,
  MADR_FILE_NAME,
  madrDecisionRecord,
} from '@backstage-contracts/plugin-contracts-common';
import { fsReason, UsageError } from './errors';

/** The front matter of a markdown file: its YAML text and the line it starts on, or none. */
function frontMatterOf(text: string): string | undefined {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(
    text,
  );
  return m?.[1];
}

/** Reads the MADR files of a folder (not its subfolders), in file name order. */
export function loadAdrDecisions(dir: string, shownAs: string): DecisionRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter(n => MADR_FILE_NAME.test(n)).sort();
  } catch (error) {
    throw new UsageError(`--decisions ${shownAs}: cannot read it: ${fsReason(error)}`);
  }
  const records: DecisionRecord[] = [];
  for (const name of names) {
    const shown = path.join(shownAs, name);
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, name), 'utf8');
    } catch (error) {
      throw new UsageError(`--decisions ${shown}: cannot read it: ${fsReason(error)}`);
    }
    const yamlText = frontMatterOf(text);
    if (yamlText === undefined) continue; // an ADR without front matter: not one of ours
    const lines = new LineCounter();
    const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: false });
    // the YAML starts on the file's second line
    const at = (offset: number) => {
      const { line, col } = lines.linePos(offset);
      return `${shown}:${line + 1}:${col}`;
    };
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new UsageError(
        `--decisions ${at(e.pos[0])}: the front matter is not valid YAML: ${
          e.message.split('\n')[0]
        }`,
      );
    }
    const meta = doc.toJS();
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) continue;
    const record = madrDecisionRecord(meta, name);
    if (record === undefined) continue;
    if ('key' in record) {
      const node = doc.get(record.key, true) as { range?: [number, number] } | undefined;
      // a key that is missing: the front matter's first line
      const where = node?.range ? at(node.range[0]) : `${shown}:2:1`;
      throw new UsageError(
        `--decisions ${where}: front matter ${record.key}: ${record.message}`,
      );
    }
    records.push(record);
  }
  return records;
}
