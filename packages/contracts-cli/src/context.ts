/*
 * What the commands share: where they read and write, and how they load entities.
 */
import {
  catalogEntityFault,
  type ContractProblem,
} from '@backstage-contracts/plugin-contracts-common';
import { displayPath, loadCatalogFiles } from './catalog/files';
import { loadLiveCatalog, overlay } from './catalog/live';
import type { CatalogEntry, LoadedCatalog } from './catalog/types';
import type { FailOn } from './options';

/** Where the CLI reads and writes; replaced in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal (colour in text output). */
  isTTY: boolean;
  fetch?: typeof fetch;
  /** The current time for decision review dates, ms since the epoch. */
  now?: number;
}

/** The process: stdout, stderr, cwd, env. */
export function defaultIo(): CliIo {
  return {
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** Options shared by `check` and `diff`. */
export interface CommonOptions {
  format: 'text' | 'json' | 'sarif';
  failOn: FailOn;
  config?: string;
  decisions?: string;
  catalogUrl?: string;
  token?: string;
}

/** Loads the entities of PATHs and/or a live catalog. */
export async function loadEntities(
  paths: string[],
  opts: Pick<CommonOptions, 'catalogUrl' | 'token'>,
  io: CliIo,
  root = io.cwd,
  onEntry?: (entry: CatalogEntry) => void,
): Promise<LoadedCatalog> {
  const local = paths.length
    ? await acceptedByCatalog(
        loadCatalogFiles(paths, { cwd: io.cwd, root, onEntry }),
        root,
      )
    : { entries: [], problems: [] };
  if (!opts.catalogUrl) return local;
  const live = await loadLiveCatalog({
    url: opts.catalogUrl,
    token: opts.token ?? io.env.BACKSTAGE_TOKEN,
    fetch: io.fetch,
  });
  return overlay(live, local);
}

/** Whether the entity's name or namespace is a Scaffolder template expression (`${{ … }}`). */
function isTemplateSkeleton(entity: CatalogEntry['entity']): boolean {
  const { name, namespace } = entity.metadata ?? {};
  return [name, namespace].some(
    v => typeof v === 'string' && v.includes('${{'),
  );
}

/**
 * The entries of catalog files that Backstage's catalog would accept (its entity policies and
 * kind validators, from `@backstage/catalog-model`); each other entity is a located problem
 * and is not analysed, as it would never be in the catalog.
 */
async function acceptedByCatalog(
  loaded: LoadedCatalog,
  root: string,
): Promise<LoadedCatalog> {
  const entries: CatalogEntry[] = [];
  const problems: ContractProblem[] = [...loaded.problems];
  for (const entry of loaded.entries) {
    // a Scaffolder template's skeleton (`name: ${{ values.name }}`), as in every new app's
    // examples/template/content: a file the scaffolder fills in, never read by the catalog
    if (isTemplateSkeleton(entry.entity)) continue;
    const fault = await catalogEntityFault(entry.entity);
    if (!fault) {
      entries.push(entry);
      continue;
    }
    const problem: ContractProblem = {
      entity: entry.ref,
      path: fault.path,
      message: `the catalog rejects this entity: ${fault.message}`,
    };
    if (entry.file) problem.file = displayPath(root, entry.file);
    if (entry.line !== undefined) problem.line = entry.line;
    problems.push(problem);
  }
  return { entries, problems };
}

/** Whether text output is coloured: a terminal, and NO_COLOR not set. */
export function useColor(io: CliIo): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return io.isTTY;
}
