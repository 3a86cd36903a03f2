import { createServiceFactory } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  type CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { withEtag } from './exampleCatalog';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

type Mode =
  | { kind: 'ok'; delayMs: number }
  | { kind: 'fail'; error: Error; afterMs: number }
  | { kind: 'hang' };

/**
 * A catalog service whose every call can be made slow, failing or hanging, as the catalog
 * behaves when its database is slow, refuses connections or waits on a lock:
 *
 * - `slow(ms)`: every call answers after `ms`;
 * - `fail(error, { afterMs })`: every call fails with `error` (after `afterMs`: a refused
 *   connection the catalog retries before it gives up);
 * - `hang()`: every call waits until `release()` (then answers with what the catalog held when
 *   it was called, however much later: a late answer);
 * - `recover()`: calls made from then on answer at once again.
 *
 * Wraps `base` (the entities of `entities`, in the in-memory catalog of `catalogServiceMock`,
 * unless given); `set` replaces them (given etags, as the catalog gives them).
 */
export function faultyCatalog(options: {
  entities?: Entity[];
  base?: CatalogService;
}) {
  let current: CatalogService =
    options.base ?? catalogServiceMock({ entities: options.entities ?? [] });
  let mode: Mode = { kind: 'ok', delayMs: 0 };
  let hung: Array<() => void> = [];
  let calls = 0;
  const service = new Proxy({} as CatalogService, {
    get(_target, prop) {
      const value = (current as any)[prop];
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        calls++;
        // the mode and the catalog of the moment of the call
        const m = mode;
        const target = current;
        if (m.kind === 'hang') {
          await new Promise<void>(resolve => hung.push(resolve));
        } else if (m.kind === 'fail') {
          if (m.afterMs) await sleep(m.afterMs);
          throw m.error;
        } else if (m.delayMs) {
          await sleep(m.delayMs);
        }
        return value.apply(target, args);
      };
    },
  });
  return {
    service,
    factory: createServiceFactory({
      service: catalogServiceRef,
      deps: {},
      factory: () => service,
    }),
    /** How many calls were made. */
    get calls() {
      return calls;
    },
    set(entities: Entity[]) {
      current = catalogServiceMock({ entities: entities.map(withEtag) });
    },
    slow(delayMs: number) {
      mode = { kind: 'ok', delayMs };
    },
    fail(error: Error, { afterMs = 0 }: { afterMs?: number } = {}) {
      mode = { kind: 'fail', error, afterMs };
    },
    hang() {
      mode = { kind: 'hang' };
    },
    /** Lets the hung calls answer. */
    release() {
      const waiting = hung;
      hung = [];
      waiting.forEach(resolve => resolve());
    },
    recover() {
      mode = { kind: 'ok', delayMs: 0 };
    },
  };
}
