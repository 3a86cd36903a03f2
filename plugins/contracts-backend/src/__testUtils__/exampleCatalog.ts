import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogProcessorResult } from '@backstage/plugin-catalog-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { ContractsProcessor } from '@backstage-contracts/plugin-catalog-backend-module-contracts';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's example catalog. */
export const EXAMPLES_DIR = path.resolve(__dirname, '../../../../examples');

/** A content etag, as the catalog gives one. */
export function withEtag(entity: Entity): Entity {
  const { etag: _, ...metadata } = entity.metadata;
  const etag = createHash('sha1')
    .update(JSON.stringify({ ...entity, metadata }))
    .digest('hex');
  return { ...entity, metadata: { ...entity.metadata, etag } };
}

/**
 * The example catalog as the catalog would serve it: every entity of `examples/all.yaml`, run
 * through the contracts catalog processor (the real `contracts.io/ref` loader).
 */
export async function loadExampleEntities(
  dir = EXAMPLES_DIR,
): Promise<Entity[]> {
  const allFile = path.join(dir, 'all.yaml');
  const all = parseAllDocuments(await fs.readFile(allFile, 'utf8'))[0].toJS();
  const processor = new ContractsProcessor({
    reader: mockServices.urlReader.mock(),
    logger: mockServices.logger.mock(),
  });
  const entities: Entity[] = [];
  for (const target of all.spec.targets as string[]) {
    const file = path.resolve(dir, target);
    const docs = parseAllDocuments(await fs.readFile(file, 'utf8'));
    for (const doc of docs) {
      const entity = doc.toJS() as Entity;
      if (!entity) continue;
      const errors: CatalogProcessorResult[] = [];
      const processed = await processor.preProcessEntity(
        entity,
        { type: 'file', target: file },
        r => errors.push(r),
      );
      processed.metadata.namespace ??= 'default';
      entities.push(withEtag(processed));
    }
  }
  return entities;
}

/**
 * A catalog service whose entities a test can replace (`set`) or make fail (`fail`).
 */
export function mutableCatalog(initial: Entity[]) {
  let current = catalogServiceMock({ entities: initial });
  let failing: Error | undefined;
  const guard = <T>(fn: () => T): T => {
    if (failing) throw failing;
    return fn();
  };
  const service = new Proxy({} as ReturnType<typeof catalogServiceMock>, {
    get(_target, prop) {
      const value = (current as any)[prop];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        guard(() => value.apply(current, args));
    },
  });
  return {
    service,
    factory: createServiceFactory({
      service: catalogServiceRef,
      deps: {},
      factory: () => service,
    }),
    set(entities: Entity[]) {
      current = catalogServiceMock({ entities: entities.map(withEtag) });
    },
    fail(error: Error | undefined) {
      failing = error;
    },
  };
}
