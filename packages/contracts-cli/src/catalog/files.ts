/*
 * Reads Backstage entities from catalog files and folders, and the contract files their
 * `contracts.io/ref` annotations point at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAll as loadAllYaml } from 'js-yaml';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Entity } from '@backstage/catalog-model';
import {
  API_DEFINITION_FILE,
  CONTRACTS_REF_ANNOTATION,
  type ContractProblem,
  type ContractSource,
  apiDefinitionSource,
  contractSourcesFromAnnotation,
  unreadContractAnnotation,
  CONTRACTS_DISCOVERED_ANNOTATION,
  isDiscoverReport,
} from '@backstage-contracts/plugin-contracts-common';
import { fsReason, UsageError } from '../errors';
import { entityRefOf, providedApis } from './summary';
import { ANALYZED_KINDS, type CatalogEntry, type LoadedCatalog } from './types';

const YAML_FILE = /\.ya?ml$/i;
const JSON_FILE = /\.json$/i;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'dist-types']);

/** Options of {@link loadCatalogFiles}. */
export interface LoadFilesOptions {
  /** PATHs are resolved against it. */
  cwd: string;
  /** File names in problems are shown relative to it; default `cwd`. */
  root?: string;
  /** Called with each entry as soon as it is read (to start parsing its contract). */
  onEntry?: (entry: CatalogEntry) => void;
}

/** `a/b.yaml` relative to `root`, with forward slashes. */
export function displayPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return (rel || path.basename(file)).split(path.sep).join('/');
}

/**
 * Lists the YAML files of the PATHs: a file as given, a folder recursively (`*.yaml`, `*.yml`;
 * skipping dot folders and node_modules), sorted, each once. An unreadable PATH is a usage
 * error. `listings`, when given, receives the YAML and the JSON file names of every folder
 * walked (so that a `dir:` contract folder is not listed again: 10k such reads were 95 ms of
 * `yarn bench:findings`).
 */
export function listCatalogFiles(
  paths: string[],
  cwd: string,
  listings?: { yaml: Map<string, string[]>; json: Map<string, string[]> },
): string[] {
  const out = new Set<string>();
  /** Walks `dir`, under the PATH `p` (at `top`): problems name folders as `p/sub/folder`. */
  const walk = (dir: string, p: string, top: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      const shown = dir === top ? p : path.join(p, path.relative(top, dir));
      throw new UsageError(`cannot read ${shown}: ${fsReason(error)}`);
    }
    entries.sort((a, b) => {
      if (a.name === b.name) return 0;
      return a.name < b.name ? -1 : 1;
    });
    const names: string[] = [];
    const jsonNames: string[] = [];
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name)) {
          walk(inFolder(dir, e.name), p, top);
        }
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (YAML_FILE.test(e.name)) {
          out.add(inFolder(dir, e.name));
          names.push(e.name);
        } else if (JSON_FILE.test(e.name)) {
          jsonNames.push(e.name);
        }
      }
    }
    listings?.yaml.set(dir, names);
    listings?.json.set(dir, jsonNames);
  };
  for (const p of paths) {
    const full = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch (error) {
      throw new UsageError(`cannot read ${p}: ${fsReason(error)}`);
    }
    if (stat.isDirectory()) walk(full, p, full);
    else out.add(full);
  }
  return [...out];
}

/** Reads files once each (a contract file is both listed under PATHs and behind a ref), and folders' listings once each. */
class ContractFileCache {
  private readonly texts = new Map<string, string>();
  /** YAML file names by folder, sorted; filled by the walk of the PATHs first. */
  readonly dirs = new Map<string, string[]>();
  /** JSON file names by folder, sorted; filled by the walk of the PATHs first. */
  readonly jsonDirs = new Map<string, string[]>();

  /** A file listed under the PATHs: unreadable is a usage error (naming it as `shown()` does). */
  readListed(file: string, shown: () => string): string {
    try {
      return this.read(file);
    } catch (error) {
      throw new UsageError(`cannot read ${shown()}: ${fsReason(error)}`);
    }
  }

  read(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) {
      text = fs.readFileSync(file, 'utf8');
      this.texts.set(file, text);
    }
    return text;
  }

  /** The `*.json` file names of a folder, sorted (discover reports are among them). */
  listJson(dir: string): string[] {
    let names = this.jsonDirs.get(dir);
    if (!names) {
      names = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter(
          d => (d.isFile() || d.isSymbolicLink()) && JSON_FILE.test(d.name),
        )
        .map(d => d.name)
        .sort();
      this.jsonDirs.set(dir, names);
    }
    return names;
  }

  list(dir: string): string[] {
    let names = this.dirs.get(dir);
    if (!names) {
      names = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter(
          d => (d.isFile() || d.isSymbolicLink()) && YAML_FILE.test(d.name),
        )
        .map(d => d.name)
        .sort();
      this.dirs.set(dir, names);
    }
    return names;
  }
}

/** Texts found at a location, with their absolute paths (same order), or why none could be read. */
interface Resolved {
  sources: ContractSource[];
  paths: string[];
  /** Discover reports (see `isDiscoverReport`). */
  reports: ContractSource[];
  reportPaths: string[];
  error?: string;
}

/**
 * Resolves a `contracts.io/ref` location relative to the file defining the entity:
 * `dir:./contracts` is every `*.yaml`/`*.yml` directly in that folder, sorted, and the discover
 * reports beside them (`discovered.json`, or JSON whose header says so); `file:./x.yaml` one
 * file. Sources are named relative to the entity's folder (`contracts/sla.yaml`). With
 * `report`, the location is that of a discover report (`contracts.io/discovered`).
 */
function resolveRef(
  ref: string,
  entityFile: string,
  cache: ContractFileCache,
  report = false,
): Resolved {
  const none = { sources: [], paths: [], reports: [], reportPaths: [] };
  const what = report ? 'the discover report' : 'the contracts';
  const m = /^([a-z][a-z0-9+.-]*):(.+)$/i.exec(ref.trim());
  const type = m?.[1].toLowerCase();
  const target = m?.[2].trim() ?? '';
  if ((type !== 'dir' || report) && type !== 'file') {
    return {
      ...none,
      error:
        type === 'url'
          ? `\`${ref}\` cannot be read from files: url locations are read by the catalog (use --catalog-url)`
          : `\`${ref}\` is not a ${report ? '' : 'dir: or '}file: location`,
    };
  }
  const base = path.dirname(entityFile);
  const abs = path.resolve(base, target);
  const shown = displayPath(base, abs);
  try {
    if (type === 'file') {
      const found = [{ file: shown, text: cache.read(abs) }];
      return report
        ? { ...none, reports: found, reportPaths: [abs] }
        : { ...none, sources: found, paths: [abs] };
    }
    const names = cache.list(abs);
    const paths = names.map(name => inFolder(abs, name));
    const resolved: Resolved = {
      ...none,
      sources: names.map((name, i) => ({
        file: `${shown}/${name}`,
        text: cache.read(paths[i]),
      })),
      paths,
      reports: [],
      reportPaths: [],
    };
    for (const name of cache.listJson(abs)) {
      const file = inFolder(abs, name);
      const text = cache.read(file);
      if (!isDiscoverReport(name, text)) continue;
      resolved.reports.push({ file: `${shown}/${name}`, text });
      resolved.reportPaths.push(file);
    }
    return resolved;
  } catch (error) {
    return {
      ...none,
      error: `cannot read ${what} at \`${ref}\` (${shown}): ${fsReason(error)}`,
    };
  }
}

/** `path.join(dir, name)` for an absolute, normalized folder and a plain file name, without the normalizing. */
function inFolder(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

/** Builds the entry of an entity: its ref, its contract sources and their problems. */
export function entryFromEntity(
  entity: Entity,
  where: { file?: string; line?: number; origin: 'file' | 'catalog' },
  cache?: ContractFileCache,
): CatalogEntry {
  const ref = entityRefOf(entity);
  const {
    inline,
    ref: location,
    discovered,
    problems,
  } = contractSourcesFromAnnotation(entity);
  const sources: ContractSource[] = [];
  let reports: ContractSource[] = [];
  const sourcePaths = new Map<string, string>();
  // an API entity's OpenAPI definition: imported promises, as the backend reads them
  const definition = apiDefinitionSource(entity);
  if (definition) {
    sources.push(definition);
    if (where.file) sourcePaths.set(definition.file, where.file);
  }
  if (inline) {
    sources.push(inline);
    if (where.file) sourcePaths.set(inline.file, where.file);
  }
  if (location && where.file && cache) {
    const resolved = resolveRef(location, where.file, cache);
    if (resolved.error) {
      problems.push({
        entity: ref,
        path: `metadata.annotations["${CONTRACTS_REF_ANNOTATION}"]`,
        message: resolved.error,
      });
    }
    resolved.sources.forEach((s, i) => {
      sources.push(s);
      sourcePaths.set(s.file, resolved.paths[i]);
    });
    reports = resolved.reports;
    resolved.reports.forEach((s, i) =>
      sourcePaths.set(s.file, resolved.reportPaths[i]),
    );
  }
  if (discovered && where.file && cache) {
    // the report the annotation names, instead of those beside the contracts
    const resolved = resolveRef(discovered, where.file, cache, true);
    if (resolved.error) {
      problems.push({
        entity: ref,
        path: `metadata.annotations["${CONTRACTS_DISCOVERED_ANNOTATION}"]`,
        message: resolved.error,
      });
    }
    reports = resolved.reports;
    resolved.reports.forEach((s, i) =>
      sourcePaths.set(s.file, resolved.reportPaths[i]),
    );
  }
  return {
    ref,
    entity,
    origin: where.origin,
    file: where.file,
    line: where.line,
    sources,
    ...(reports.length ? { reports } : {}),
    sourcePaths,
    problems,
  };
}

/** A YAML document of a catalog file, and the 1-based line where its content starts. */
interface CatalogDocument {
  value: unknown;
  line: number;
}

const SEPARATOR = /^---(?=\s|$)/;
const NO_CONTENT = /^\s*(#.*)?$/;

/**
 * The line where each document's content starts, from the `---` separators; undefined for a
 * shape this shortcut does not handle (directives, `...` ends), which takes the slow path.
 */
function documentLines(text: string): number[] | undefined {
  const lines = text.split('\n');
  const starts: number[] = [];
  let pending = true; // looking for the content of the current document
  let explicit = false; // the current document was opened by `---`
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('%') || l.startsWith('...')) return undefined;
    if (SEPARATOR.test(l)) {
      if (pending && explicit) starts.push(-1); // an empty document
      pending = true;
      explicit = true;
      if (!NO_CONTENT.test(l.slice(3))) {
        starts.push(i + 1);
        pending = false;
      }
      continue;
    }
    if (pending && !NO_CONTENT.test(l)) {
      starts.push(i + 1);
      pending = false;
    }
  }
  if (pending && explicit) starts.push(-1);
  return starts;
}

/**
 * Parses a catalog file. The fast path (js-yaml) serves well-formed files; a file it rejects, or
 * whose documents it cannot place, is parsed again with the located parser, so that broken YAML
 * is reported with its line and column and the valid documents beside it still count.
 */
function readDocuments(
  text: string,
  shown: string,
  problems: ContractProblem[],
): CatalogDocument[] {
  try {
    const values: unknown[] = [];
    loadAllYaml(text, v => values.push(v), { json: true });
    const lines = documentLines(text);
    if (lines && lines.length === values.length) {
      return values.map((value, i) => ({ value, line: Math.max(lines[i], 1) }));
    }
  } catch {
    // reported with its position below
  }
  return readDocumentsLocated(text, shown, problems);
}

function readDocumentsLocated(
  text: string,
  shown: string,
  problems: ContractProblem[],
): CatalogDocument[] {
  const out: CatalogDocument[] = [];
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length) {
      const err = doc.errors[0];
      const pos = err.linePos?.[0];
      problems.push({
        entity: 'unknown',
        file: shown,
        line: pos?.line,
        column: pos?.col,
        path: '',
        message: `not valid YAML: ${err.message
          .split('\n')[0]
          .replace(/:$/, '')}`,
      });
      continue;
    }
    try {
      const offset = (doc.contents?.range?.[0] ?? doc.range[0]) as number;
      out.push({
        value: doc.toJS({ maxAliasCount: 100 }),
        line: lineCounter.linePos(offset).line,
      });
    } catch (error) {
      problems.push({
        entity: 'unknown',
        file: shown,
        path: '',
        message: `not valid YAML: ${(error as Error).message}`,
      });
    }
  }
  return out;
}

/** A contract annotation on a kind whose contracts nobody reads: said, not dropped. */
function unreadProblem(
  entity: Entity,
  annotation: string,
  file: string,
  line: number,
): ContractProblem {
  const name = entity.metadata?.name;
  return {
    entity: `${entity.kind.toLocaleLowerCase('en-US')}:${
      entity.metadata?.namespace ?? 'default'
    }/${typeof name === 'string' ? name : '?'}`,
    file,
    line,
    path: `metadata.annotations["${annotation}"]`,
    message: `a ${entity.kind} carries no contract: only Component, Resource, API and System entities do, so this one is not read. Put it on the entity that provides or needs what it describes`,
  };
}

function isEntityLike(value: unknown): value is Entity {
  const v = value as Partial<Entity> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string'
  );
}

/**
 * Reads the entities of the catalog files under PATHs (multi-document YAML; documents that are
 * not entities, such as contract files, are skipped; Location and other kinds are ignored), and
 * the contracts behind their annotations. Broken YAML and unreadable contract files are
 * problems; an unreadable PATH is a usage error.
 */
export function loadCatalogFiles(
  paths: string[],
  options: LoadFilesOptions,
): LoadedCatalog {
  const root = options.root ?? options.cwd;
  const cache = new ContractFileCache();
  const entries: CatalogEntry[] = [];
  const problems: ContractProblem[] = [];
  const seen = new Map<string, string>();
  // Files carry no relations: an API's provider (its gateway's calls go there) is the Component
  // whose `spec.providesApis` names it, known once every file is read; those APIs wait for it.
  const providers = new Map<string, string>();
  const waiting: { entry: CatalogEntry; definition: ContractSource }[] = [];
  for (const file of listCatalogFiles(paths, options.cwd, {
    yaml: cache.dirs,
    json: cache.jsonDirs,
  })) {
    const text = cache.readListed(file, () => displayPath(root, file));
    // Contract documents and other YAML carry no `kind`: skip them without parsing.
    if (!/(^|\n)\s*["']?kind["']?\s*:/.test(text)) continue;
    const shown = displayPath(root, file);
    for (const { value, line } of readDocuments(text, shown, problems)) {
      if (!isEntityLike(value)) continue;
      const unread = unreadContractAnnotation(value);
      if (unread) problems.push(unreadProblem(value, unread, shown, line));
      if (!ANALYZED_KINDS.includes(value.kind.toLocaleLowerCase('en-US'))) {
        continue;
      }
      if (
        typeof value.metadata !== 'object' ||
        value.metadata === null ||
        typeof value.metadata.name !== 'string' ||
        !value.metadata.name
      ) {
        problems.push({
          entity: 'unknown',
          file: shown,
          line,
          path: 'metadata.name',
          message: `a ${value.kind} without metadata.name is not an entity`,
        });
        continue;
      }
      const entry = entryFromEntity(
        value,
        { file, line, origin: 'file' },
        cache,
      );
      const previous = seen.get(entry.ref);
      if (previous !== undefined) {
        problems.push({
          entity: entry.ref,
          file: shown,
          line,
          path: '',
          message: `defined twice: also in ${previous}; the first definition is used`,
        });
        continue;
      }
      seen.set(entry.ref, `${shown}:${line}`);
      if (unread) entry.sources.length = 0; // a Group's or User's contract: reported above
      entries.push(entry);
      if (value.kind.toLocaleLowerCase('en-US') === 'component') {
        for (const api of providedApis(value)) {
          const key = api.toLocaleLowerCase('en-US');
          if (!providers.has(key)) providers.set(key, entry.ref);
        }
      }
      const definition = entry.sources.find(
        s => s.file === API_DEFINITION_FILE && s.format === 'openapi',
      );
      if (definition && !definition.provider) {
        waiting.push({ entry, definition });
        continue;
      }
      options.onEntry?.(entry);
    }
  }
  for (const { entry, definition } of waiting) {
    const provider = providers.get(entry.ref.toLocaleLowerCase('en-US'));
    if (provider) definition.provider = provider;
    options.onEntry?.(entry);
  }
  return { entries, problems };
}
