import type { UrlReaderService } from '@backstage/backend-plugin-api';
import type { ContractSource } from '@backstage-contracts/plugin-contracts-common';
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
 * file (`contracts/sla.yaml`); and what could not be read, as messages.
 * @public
 */
export interface LoadedContractSources {
  sources: ContractSource[];
  errors: string[];
}

const YAML_FILE = /\.ya?ml$/i;

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
    return { sources: [{ file: shown, text }], errors: [] };
  }
  const names = (await fs.readdir(abs, { withFileTypes: true }))
    .filter(d => d.isFile() && YAML_FILE.test(d.name))
    .map(d => d.name)
    .sort();
  const sources: ContractSource[] = [];
  for (const name of names) {
    sources.push({
      file: `${shown}/${name}`,
      text: await fs.readFile(path.join(abs, name), 'utf8'),
    });
  }
  return { sources, errors: [] };
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
    return { sources: [{ file: shown, text }], errors: [] };
  }
  const tree = await reader.readTree(url, {
    filter: p => YAML_FILE.test(p) && !p.includes('/'),
  });
  const files = await tree.files();
  const sources = await Promise.all(
    files.map(async f => ({
      file: `${shown}/${f.path}`,
      text: (await f.content()).toString('utf8'),
    })),
  );
  sources.sort((a, b) => a.file.localeCompare(b.file));
  return { sources, errors: [] };
}

/**
 * Reads the contract files a `contracts.io/ref` annotation points at, relative to the file that
 * declares the entity: `dir:./contracts` is every `*.yaml`/`*.yml` directly in that folder,
 * sorted; `file:./x.yaml` one file; `url:https://…` one file by URL. `file` locations are read
 * from disk, `url` locations through the URL reader. Never throws: what cannot be read is
 * returned in `errors`.
 * @public
 */
export async function loadContractSources(
  options: LoadContractSourcesOptions,
): Promise<LoadedContractSources> {
  const { ref, location, reader } = options;
  const parts = splitRef(ref);
  if (!parts || !['dir', 'file', 'url'].includes(parts.type)) {
    return {
      sources: [],
      errors: [
        `contracts.io/ref must be dir:<folder>, file:<path> or url:<url>, got \`${ref}\``,
      ],
    };
  }
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
      return await loadFromUrl(type, url, relName(parts.target).replace(/^\.\//, ''), reader);
    }
    throw new Error(`locations of type ${location.type} are not supported`);
  } catch (error) {
    return {
      sources: [],
      errors: [
        `could not read the contracts at \`${ref}\` (relative to ${location.type}:${location.target}): ${
          (error as Error)?.message ?? error
        }`,
      ],
    };
  }
}
