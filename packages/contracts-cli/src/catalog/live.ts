/*
 * Reads entities from a running Backstage catalog.
 */
import type { CatalogClient } from '@backstage/catalog-client';
import type { Entity } from '@backstage/catalog-model';
import {
  CONTRACTS_DISCOVERED_ANNOTATION,
  CONTRACTS_REF_ANNOTATION,
  CONTRACTS_RESOLVED_ANNOTATION,
  resolvedContractsOf,
} from '@backstage-contracts/plugin-contracts-common';
import { UsageError } from '../errors';
import { entryFromEntity } from './files';
import { ANALYZED_KINDS, type CatalogEntry, type LoadedCatalog } from './types';

export { CONTRACTS_RESOLVED_ANNOTATION };

/** Options of {@link loadLiveCatalog}. */
export interface LiveCatalogOptions {
  /** Base URL of the Backstage backend, e.g. `https://backstage.example.com`. */
  url: string;
  token?: string;
  fetch?: typeof fetch;
  pageSize?: number;
}

/** The entry of an entity read from the catalog: inline spec, and the resolved ref documents and discover reports. */
export function entryFromCatalogEntity(entity: Entity): CatalogEntry {
  const entry = entryFromEntity(entity, { origin: 'catalog' });
  const annotations = entity.metadata.annotations ?? {};
  const location = [
    annotations[CONTRACTS_REF_ANNOTATION],
    annotations[CONTRACTS_DISCOVERED_ANNOTATION],
  ].find(a => typeof a === 'string' && a.trim());
  if (location) {
    const resolved = resolvedContractsOf(entity);
    if (resolved && resolved.error === undefined) {
      entry.sources.push(...resolved.sources);
      if (resolved.discovered.length) entry.reports = resolved.discovered;
      for (const message of resolved.discoveredErrors) {
        entry.problems.push({
          entity: entry.ref,
          path: `metadata.annotations["${CONTRACTS_DISCOVERED_ANNOTATION}"]`,
          message,
        });
      }
    } else {
      entry.problems.push({
        entity: entry.ref,
        path: `metadata.annotations["${CONTRACTS_REF_ANNOTATION}"]`,
        message:
          resolved?.error ??
          `the contracts at \`${location}\` could not be resolved: the catalog did not attach them (annotation \`${CONTRACTS_RESOLVED_ANNOTATION}\`; is the contracts catalog module installed?)`,
      });
    }
  }
  return entry;
}

/**
 * Reads every Component, Resource, API, System, Group and User of a live catalog, page by page
 * (`/api/catalog/entities/by-query` through the catalog client), with a bearer token when given.
 * An unreachable catalog or a refused token is a usage error.
 */
export async function loadLiveCatalog(
  options: LiveCatalogOptions,
): Promise<LoadedCatalog> {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new UsageError(`--catalog-url ${options.url} is not a URL`);
  }
  const baseUrl = `${base.toString().replace(/\/+$/, '')}/api/catalog`;
  const doFetch = options.fetch ?? fetch;
  // loaded here, not at start-up: the client and its fetch polyfills serve --catalog-url only
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CatalogClient: Client } = require('@backstage/catalog-client') as {
    CatalogClient: typeof CatalogClient;
  };
  const client = new Client({
    discoveryApi: { getBaseUrl: async () => baseUrl },
    fetchApi: {
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        if (options.token)
          headers.set('authorization', `Bearer ${options.token}`);
        return doFetch(input, { ...init, headers });
      },
    },
  });
  const entities: Entity[] = [];
  try {
    let cursor: string | undefined;
    do {
      const page = await client.queryEntities(
        cursor
          ? { cursor, limit: options.pageSize ?? 500 }
          : {
              filter: { kind: ANALYZED_KINDS },
              limit: options.pageSize ?? 500,
            },
      );
      entities.push(...page.items);
      cursor = page.pageInfo.nextCursor;
    } while (cursor);
  } catch (error) {
    const message = String((error as Error)?.message ?? error).split('\n')[0];
    throw new UsageError(
      `cannot read the catalog at ${options.url}: ${message}`,
    );
  }
  return {
    entries: entities
      .filter(e => ANALYZED_KINDS.includes(e.kind.toLocaleLowerCase('en-US')))
      .map(entryFromCatalogEntity),
    problems: [],
  };
}

/** Local entries replace catalog entries of the same ref: what a pull request does to the graph. */
export function overlay(
  live: LoadedCatalog,
  local: LoadedCatalog,
): LoadedCatalog {
  const byRef = new Map<string, CatalogEntry>();
  for (const e of live.entries) byRef.set(e.ref, e);
  for (const e of local.entries) byRef.set(e.ref, e);
  return {
    entries: [...byRef.values()],
    problems: [...live.problems, ...local.problems],
  };
}
