import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';

/** One turn of the event loop, as an answer over the network or from a database takes. */
const turn = () => new Promise<void>(resolve => setImmediate(resolve));

/**
 * A catalog that serves the given entities page by page, each answer after a turn of the event
 * loop, as the catalog's client does over I/O, and at no cost of its own: for measuring what the
 * contracts service costs the event loop. (The in-memory client of `catalogServiceMock` answers
 * within the same turn, filtering every entity on every page: ~100 ms a page of 500 at 10k
 * entities, which would be measured as ours.) Filters and field selections are ignored: give it
 * only entities of the kinds the service reads.
 */
export function pagedCatalog(entities: Entity[]): CatalogService {
  const refOf = (e: Entity) =>
    `${e.kind}:${e.metadata.namespace ?? 'default'}/${
      e.metadata.name
    }`.toLowerCase();
  const service: Pick<CatalogService, 'queryEntities' | 'getEntitiesByRefs'> = {
    async queryEntities(request) {
      await turn();
      const offset =
        request && 'cursor' in request ? Number(request.cursor) : 0;
      const limit = request?.limit ?? entities.length;
      const end = Math.min(offset + limit, entities.length);
      return {
        items: entities.slice(offset, end),
        totalItems: entities.length,
        pageInfo: end < entities.length ? { nextCursor: String(end) } : {},
      };
    },
    async getEntitiesByRefs(request) {
      await turn();
      const byRef = new Map(entities.map(e => [refOf(e), e]));
      return {
        items: request.entityRefs.map(r => byRef.get(r.toLowerCase())),
      };
    },
  };
  return service as CatalogService;
}
