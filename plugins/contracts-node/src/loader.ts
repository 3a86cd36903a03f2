import type { UrlReaderService } from '@backstage/backend-plugin-api';
import {
  type ContractSource,
  isDiscoverReport,
} from '@backstage-contracts/plugin-contracts-common';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Where an entity was read from: a catalog location (`file` with an absolute path, or `url`).
 * @public
 */
export interface ContractEntityLocation {
  type: string;
  target: string;
}

/**
 * Options of {@link loadContractSources}.
 * @public
 */
export interface LoadContractSourcesOptions {
  /** The `contracts.io/ref` value: `dir:./contracts`, `file:./contracts/sla.yaml`, `url:https://…`. */
  ref: string;
  /** The location of the file that declares the entity; the ref is relative to it. */
  location: ContractEntityLocation;
  /** Needed for `url` locations and refs. */
  reader?: UrlReaderService;
}

/**
 * The contract texts behind a ref, sorted by file, with file names relative to the entity's
 * file (`contracts/sla.yaml`); the discover reports found beside them (`contracts/discovered.json`,
 * see `isDiscoverReport`); and what could not be read, as messages.
 * @public
 */
export interface LoadedContractSources {
  sources: ContractSource[];
  /** The `contracts discover --format json` reports, read as texts (parse with `parseDiscoverReports`). */
  reports: ContractSource[];
  errors: string[];
}

const YAML_FILE = /\.ya?ml$/i;
const JSON_FILE = /\.json$/i;

/** Sorts the texts of a folder into contract documents and discover reports; other JSON is not ours. */
function sortTexts(texts: ContractSource[]): LoadedContractSources {
  const out: LoadedContractSources = { sources: [], reports: [], errors: [] };
  for (const t of texts.sort((a, b) => a.file.localeCompare(b.file))) {
    if (YAML_FILE.test(t.file)) out.sources.push(t);
    else if (isDiscoverReport(t.file, t.text)) out.reports.push(t);
  }
  return out;
}

function splitRef(ref: string): { type: string; target: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):(.+)$/i.exec(ref.trim());
  return m ? { type: m[1].toLowerCase(), target: m[2].trim() } : undefined;
}

/** `./contracts/` → `contracts`, for names shown in problems. */
function relName(target: string): string {
  return path.posix.normalize(target.replace(/\\/g, '/')).replace(/\/+$/, '');
}

async function loadFromFile(
  type: 'dir' | 'file',
  target: string,
  entityFile: string,
): Promise<LoadedContractSources> {
  const base = path.dirname(entityFile);
  const abs = path.resolve(base, target);
  const shown = relName(path.relative(base, abs).split(path.sep).join('/'));
  if (type === 'file') {
    const text = await fs.readFile(abs, 'utf8');
    return { sources: [{ file: shown, text }], reports: [], errors: [] };
  }
  const names = (await fs.readdir(abs, { withFileTypes: true }))
    .filter(
      d => d.isFile() && (YAML_FILE.test(d.name) || JSON_FILE.test(d.name)),
    )
    .map(d => d.name);
  const texts: ContractSource[] = [];
  for (const name of names) {
    texts.push({
      file: `${shown}/${name}`,
      text: await fs.readFile(path.join(abs, name), 'utf8'),
    });
  }
  return sortTexts(texts);
}

async function loadFromUrl(
  type: 'dir' | 'file' | 'url',
  url: string,
  shown: string,
  reader: UrlReaderService,
): Promise<LoadedContractSources> {
  if (type !== 'dir') {
    const response = await reader.readUrl(url);
    const text = (await response.buffer()).toString('utf8');
    return { sources: [{ file: shown, text }], reports: [], errors: [] };
  }
  const tree = await reader.readTree(url, {
    filter: p => (YAML_FILE.test(p) || JSON_FILE.test(p)) && !p.includes('/'),
  });
  const files = await tree.files();
  const texts = await Promise.all(
    files.map(async f => ({
      file: `${shown}/${f.path}`,
      text: (await f.content()).toString('utf8'),
    })),
  );
  return sortTexts(texts);
}

/**
 * Reads the contract files a `contracts.io/ref` annotation points at, relative to the file that
 * declares the entity: `dir:./contracts` is every `*.yaml`/`*.yml` directly in that folder,
 * sorted; `file:./x.yaml` one file; `url:https://…` one file by URL. `file` locations are read
 * from disk, `url` locations through the URL reader. The discover reports of a `dir:` folder
 * (`discovered.json`, or JSON whose header says `"kind": "contracts-discover-report"`) are
 * returned in `reports`; other JSON files are left alone. Never throws: what cannot be read is
 * returned in `errors`.
 * @public
 */
export async function loadContractSources(
  options: LoadContractSourcesOptions,
): Promise<LoadedContractSources> {
  const parts = splitRef(options.ref);
  if (!parts || !['dir', 'file', 'url'].includes(parts.type)) {
    return {
      sources: [],
      reports: [],
      errors: [
        `contracts.io/ref must be dir:<folder>, file:<path> or url:<url>, got \`${options.ref}\``,
      ],
    };
  }
  return load(options, parts, 'the contracts');
}

/**
 * Reads the discover report a `contracts.io/discovered` annotation names (`file:./x.json`,
 * `url:https://…`), relative to the file that declares the entity, as {@link loadContractSources}
 * reads a `file:` ref. The text is returned in `reports` whatever it holds: parsing it
 * (`parseDiscoverReports`) says what is wrong with it. Never throws.
 * @public
 */
export async function loadDiscoverReport(
  options: LoadContractSourcesOptions,
): Promise<LoadedContractSources> {
  const parts = splitRef(options.ref);
  if (!parts || !['file', 'url'].includes(parts.type)) {
    return {
      sources: [],
      reports: [],
      errors: [
        `contracts.io/discovered must be file:<path>, url:<url> or a path, got \`${options.ref}\``,
      ],
    };
  }
  const loaded = await load(options, parts, 'the discover report');
  return { sources: [], reports: loaded.sources, errors: loaded.errors };
}

async function load(
  options: LoadContractSourcesOptions,
  parts: { type: string; target: string },
  what: string,
): Promise<LoadedContractSources> {
  const { ref, location, reader } = options;
  const type = parts.type as 'dir' | 'file' | 'url';
  try {
    if (type === 'url') {
      if (!reader) throw new Error('no URL reader to read it with');
      return await loadFromUrl('url', parts.target, parts.target, reader);
    }
    if (location.type === 'file') {
      return await loadFromFile(type, parts.target, location.target);
    }
    if (location.type === 'url') {
      if (!reader) throw new Error('no URL reader to read it with');
      const url = new URL(parts.target, location.target).toString();
      return await loadFromUrl(
        type,
        url,
        relName(parts.target).replace(/^\.\//, ''),
        reader,
      );
    }
    throw new Error(`locations of type ${location.type} are not supported`);
  } catch (error) {
    return {
      sources: [],
      reports: [],
      errors: [
        `could not read ${what} at \`${ref}\` (relative to ${location.type}:${
          location.target
        }): ${(error as Error)?.message ?? error}`,
      ],
    };
  }
}
