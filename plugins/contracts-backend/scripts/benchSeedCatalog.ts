/*
 * Writes entities straight into the catalog's tables on PostgreSQL, as the catalog's stitcher
 * would have left them after processing (refresh_state with the processed entity, relations in
 * both directions, final_entities with uid, etag and relations, and the search rows the
 * catalog's own buildEntitySearch makes), for bench-scale.ts: the catalog's processing of 100k
 * entities takes hours on a loaded 2-core machine, and it is not what the bench measures. The
 * rows are never processed again (next_update_at in ten years) and belong to no location
 * (catalog.orphanStrategy keep).
 *
 * `analyzeDatabase` gathers the planner's statistics of a database's tables, as autovacuum does
 * after large writes on a server that runs it: this one may not (autovacuum = off), and the
 * catalog's statistics then still describe the empty tables its migrations analyzed. Planned on
 * those, every page of the contracts plugin's catalog read at 100k (kind IN …, ORDER BY
 * entity_id LIMIT 101) hashed all 100k matching search rows: 0.66–1.5 s a page in EXPLAIN
 * ANALYZE, ~0.8 s each in the running backend (auto_explain), against 0.8–5 ms after ANALYZE.
 */
import type { Entity } from '@backstage/catalog-model';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory from 'knex';
import { PG, ROOT } from './benchBackend';

const { buildEntitySearch } = require(join(
  ROOT,
  'node_modules/@backstage/plugin-catalog-backend/dist/database/operations/stitcher/buildEntitySearch.cjs.js',
));

const refOf = (kind: string, namespace: string, name: string) =>
  `${kind.toLocaleLowerCase('en-US')}:${namespace}/${name}`;

/** ANALYZE of every table of `database`; its time, and whether the server runs autovacuum. */
export async function analyzeDatabase(
  database: string,
): Promise<{ ms: number; autovacuum: boolean }> {
  const knex = knexFactory({ client: 'pg', connection: { ...PG, database } });
  try {
    const started = performance.now();
    await knex.raw('ANALYZE');
    const ms = performance.now() - started;
    const { rows } = await knex.raw(
      `SELECT current_setting('autovacuum') AS setting`,
    );
    return { ms, autovacuum: rows[0]?.setting === 'on' };
  } finally {
    await knex.destroy();
  }
}

export async function seedCatalog(
  database: string,
  entities: Entity[],
): Promise<void> {
  const knex = knexFactory({
    client: 'pg',
    connection: { ...PG, database },
  });
  try {
    const now = new Date();
    const later = new Date(now.getTime() + 10 * 365 * 86_400_000);
    const refs = entities.map(e =>
      refOf(e.kind, e.metadata.namespace ?? 'default', e.metadata.name),
    );
    const ids = entities.map(() => randomUUID());
    // relations, as the built-in processor emits them: both directions, from the source entity
    const relations: Array<{
      originating_entity_id: string;
      source_entity_ref: string;
      type: string;
      target_entity_ref: string;
    }> = [];
    const outgoing = new Map<
      string,
      Array<{ type: string; targetRef: string }>
    >();
    const add = (id: string, source: string, type: string, target: string) => {
      relations.push({
        originating_entity_id: id,
        source_entity_ref: source,
        type,
        target_entity_ref: target,
      });
      const list = outgoing.get(source) ?? [];
      list.push({ type, targetRef: target });
      outgoing.set(source, list);
    };
    entities.forEach((e, i) => {
      const spec = (e.spec ?? {}) as { owner?: string; dependsOn?: string[] };
      if (spec.owner) {
        add(ids[i], refs[i], 'ownedBy', spec.owner);
        add(ids[i], spec.owner, 'ownerOf', refs[i]);
      }
      for (const target of spec.dependsOn ?? []) {
        add(ids[i], refs[i], 'dependsOn', target);
        add(ids[i], target, 'dependencyOf', refs[i]);
      }
    });
    const batch = async (table: string, rows: object[]) => {
      for (let k = 0; k < rows.length; k += 1000) {
        await knex(table).insert(rows.slice(k, k + 1000));
      }
    };
    const CHUNK = 5000;
    for (let from = 0; from < entities.length; from += CHUNK) {
      const part = entities.slice(from, from + CHUNK);
      const refresh: object[] = [];
      const finals: object[] = [];
      const search: object[] = [];
      part.forEach((e, j) => {
        const i = from + j;
        const json = JSON.stringify(e);
        refresh.push({
          entity_id: ids[i],
          entity_ref: refs[i],
          unprocessed_entity: json,
          processed_entity: json,
          errors: '[]',
          next_update_at: later,
          last_discovery_at: now,
          result_hash: 'bench-seed',
        });
        const final: Entity = {
          ...e,
          relations: [...(outgoing.get(refs[i]) ?? [])].sort(
            (a, b) =>
              a.type.localeCompare(b.type) ||
              a.targetRef.localeCompare(b.targetRef),
          ),
        };
        const hash = createHash('sha1')
          .update(JSON.stringify(final))
          .digest('hex');
        final.metadata = { ...final.metadata, uid: ids[i], etag: hash };
        finals.push({
          entity_id: ids[i],
          entity_ref: refs[i],
          final_entity: JSON.stringify(final),
          hash,
          last_updated_at: now,
        });
        search.push(...buildEntitySearch(ids[i], final));
      });
      await batch('refresh_state', refresh);
      await batch('final_entities', finals);
      await batch('search', search);
    }
    await batch('relations', relations);
  } finally {
    await knex.destroy();
  }
}

/**
 * Changes `count` of the seeded entities in the catalog's tables (spread evenly over them), as
 * the stitcher would leave an edit: each one's contract states a p95 latency ten times its own
 * (its callers' budgets then disagree with it), and its final entity gets a new etag and hash.
 * For bench-scale.ts: a full recompute after some of the catalog moved, not over a catalog that
 * is as the last read left it. Returns the time taken, ms.
 */
export async function changeInCatalog(
  database: string,
  total: number,
  count: number,
): Promise<number> {
  const t0 = performance.now();
  const knex = knexFactory({
    client: 'pg',
    connection: { ...PG, database },
  });
  try {
    const step = Math.max(1, Math.floor(total / Math.max(1, count)));
    const refs: string[] = [];
    for (let i = 0; i < total && refs.length < count; i += step) {
      refs.push(refOf('Component', 'default', `svc-${i}`));
    }
    for (let k = 0; k < refs.length; k += 500) {
      const rows: Array<{ entity_id: string; final_entity: string }> =
        await knex('final_entities')
          .select('entity_id', 'final_entity')
          .whereIn('entity_ref', refs.slice(k, k + 500));
      await knex.transaction(async tx => {
        for (const row of rows) {
          const entity = JSON.parse(row.final_entity) as Entity;
          const annotations = { ...entity.metadata.annotations };
          for (const [key, value] of Object.entries(annotations)) {
            annotations[key] = value.replace(
              /p95=(\d+)ms/,
              (_, ms) => `p95=${Number(ms) * 10}ms`,
            );
          }
          const { uid, etag: _etag, ...metadata } = entity.metadata;
          const changed: Entity = {
            ...entity,
            metadata: { ...metadata, annotations },
          };
          const hash = createHash('sha1')
            .update(JSON.stringify(changed))
            .digest('hex');
          changed.metadata = { ...changed.metadata, uid, etag: hash };
          await tx('final_entities')
            .where('entity_id', row.entity_id)
            .update({
              final_entity: JSON.stringify(changed),
              hash,
              last_updated_at: new Date(),
            });
        }
      });
    }
  } finally {
    await knex.destroy();
  }
  return performance.now() - t0;
}
