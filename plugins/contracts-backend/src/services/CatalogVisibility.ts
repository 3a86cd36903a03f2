import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ServiceUnavailableError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { LRUCache } from 'lru-cache';
import { refKey } from './ContractsGraphService';

/**
 * What one caller may read of the catalog (the permission `catalog.entity.read`).
 */
export interface Visibility {
  /**
   * The caller may read every entity (the policy allows `catalog.entity.read` outright): nothing
   * is filtered or redacted, and responses shared by all such callers may be served.
   */
  readonly all: boolean;
  /** Whether the caller may read the entity `ref` (in any case). */
  canRead(ref: string): boolean;
}

/** A caller who may read every entity. */
export const EVERYTHING_VISIBLE: Visibility = Object.freeze({
  all: true,
  canRead: () => true,
});

const EVERYTHING_FOR_CALLER: CallerVisibility = Object.freeze({
  all: true,
  canRead: () => true,
  cover: async () => {},
});

/** A caller who may read exactly `refs` (in any case). */
export function visibleOnly(refs: Iterable<string>): Visibility {
  const readable = new Set([...refs].map(refKey));
  return { all: false, canRead: ref => readable.has(refKey(ref)) };
}

/** A caller's visibility that can be asked to cover more entities later in the request. */
export interface CallerVisibility extends Visibility {
  /** Makes `canRead` answer for `refs` too (on a conditional decision: asks the catalog). */
  cover(refs: Iterable<string>): Promise<void>;
}

/**
 * How long the answers for one caller are kept: the policy's decision on `catalog.entity.read`
 * and, on a conditional decision, which entities the catalog let them read. The permission
 * framework tells nobody when a decision changes, so a change reaches the contracts API within
 * this window: a policy change is a deploy (the backend restarts, and nothing is kept); a change
 * of an entity's owner, or of a user's groups, counts after at most this long — shorter than a
 * Backstage user token's own life (1 h), which carries the user's ownership claims unchanged.
 * Concurrent requests of one caller share one decision (the portal opens a page with several).
 */
export const CATALOG_VISIBILITY_TTL_MS = 5_000;
/** The most callers whose answers are kept at a time (the least recently served go first). */
const MAX_CALLERS = 1_000;
/** How long one request to the catalog (a chunk of refs) may take (then a 503). */
export const CATALOG_TIMEOUT_MS = 10_000;
/** Refs per request to the catalog: a short query and a short response each. */
const CATALOG_CHUNK = 1_000;
/** The fields asked of the catalog when only the existence of an entity matters. */
const REF_FIELDS = ['kind', 'metadata.namespace', 'metadata.name'];

interface CallerAnswers {
  result: AuthorizeResult;
  /** On a conditional decision: the catalog's answers so far, lower-cased ref → readable. */
  readable: Map<string, boolean>;
  /** Requests to the catalog in flight, by lower-cased ref: concurrent requests share them. */
  pending: Map<string, Promise<void>>;
}

/** The cache key of a caller: their principal (a user with the service acting for them). */
export function callerKey(
  credentials: BackstageCredentials,
): string | undefined {
  const p = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
    actor?: { subject: string };
  };
  if (p.type === 'user') {
    return `user:${p.userEntityRef}|${p.actor?.subject ?? ''}`;
  }
  if (p.type === 'service') return `service:${p.subject}`;
  return undefined;
}

/**
 * The caller's catalog read permission, applied to the contracts API: for a request's
 * credentials, which entities of the graph they may read.
 *
 * One conditional authorization of `catalog.entity.read` per caller: ALLOW → every entity
 * (the routes' shared, cached bodies are served as they are); DENY → none; CONDITIONAL → the
 * catalog itself is asked, with the caller's credentials, which of the entities a route needs
 * it lets them read (`getEntitiesByRefs`, fields reduced to the ref): the catalog evaluates its
 * own and any custom permission rules, which this plugin could not do on its graph nodes. An
 * entity the catalog does not return (unreadable, or not in the catalog at all) is not visible.
 *
 * Answers are kept per caller for {@link CATALOG_VISIBILITY_TTL_MS}. Service principals are
 * treated like users: they see what the policy lets them see.
 */
export class CatalogVisibility {
  /** Per caller; absent when answers are not kept (a TTL of 0). */
  private readonly callers?: LRUCache<string, Promise<CallerAnswers>>;

  constructor(
    private readonly options: {
      permissions: PermissionsService;
      catalog: CatalogService;
      /** How long a caller's answers are kept; default {@link CATALOG_VISIBILITY_TTL_MS}. */
      ttlMs?: number;
      /** How long the catalog may take to answer; default {@link CATALOG_TIMEOUT_MS}. */
      catalogTimeoutMs?: number;
    },
  ) {
    const ttl = options.ttlMs ?? CATALOG_VISIBILITY_TTL_MS;
    if (ttl > 0) this.callers = new LRUCache({ max: MAX_CALLERS, ttl });
  }

  /**
   * What the caller may read; `refs`: the entities the route needs answers for (only listed on a
   * conditional decision). More can be covered later with `cover`.
   */
  async forCaller(
    credentials: BackstageCredentials,
    refs: () => Iterable<string> = () => [],
  ): Promise<CallerVisibility> {
    const answers = await this.answersFor(credentials);
    if (answers.result === AuthorizeResult.ALLOW) return EVERYTHING_FOR_CALLER;
    const { readable } = answers;
    const visibility: CallerVisibility = {
      all: false,
      canRead: ref => readable.get(refKey(ref)) === true,
      cover: async more => {
        if (answers.result === AuthorizeResult.CONDITIONAL) {
          await this.ask(credentials, answers, more);
        }
      },
    };
    await visibility.cover(refs());
    return visibility;
  }

  private answersFor(
    credentials: BackstageCredentials,
  ): Promise<CallerAnswers> {
    const key = this.callers && callerKey(credentials);
    const known = key ? this.callers!.get(key) : undefined;
    if (known) return known;
    // kept while it is asked: the concurrent requests of a caller share one policy decision
    const asked = this.options.permissions
      .authorizeConditional([{ permission: catalogEntityReadPermission }], {
        credentials,
      })
      .then(([decision]) => ({
        result: decision.result,
        readable: new Map<string, boolean>(),
        pending: new Map<string, Promise<void>>(),
      }));
    if (key) {
      this.callers!.set(key, asked);
      // a failed decision is not kept
      asked.catch(() => {
        if (this.callers!.get(key) === asked) this.callers!.delete(key);
      });
    }
    return asked;
  }

  /** Asks the catalog, as the caller, which of `refs` (not yet answered) they may read. */
  private async ask(
    credentials: BackstageCredentials,
    answers: CallerAnswers,
    refs: Iterable<string>,
  ): Promise<void> {
    const waits = new Set<Promise<void>>();
    const missing = new Set<string>();
    for (const ref of refs) {
      const k = refKey(ref);
      if (answers.readable.has(k)) continue;
      const pending = answers.pending.get(k);
      if (pending) waits.add(pending);
      else missing.add(k);
    }
    if (missing.size) {
      const entityRefs = [...missing];
      const asked = this.readableOf(entityRefs, credentials)
        .then(readable => {
          entityRefs.forEach((k, i) => answers.readable.set(k, readable[i]));
        })
        .finally(() => entityRefs.forEach(k => answers.pending.delete(k)));
      entityRefs.forEach(k => answers.pending.set(k, asked));
      waits.add(asked);
    }
    await Promise.all(waits);
  }

  /**
   * For each ref: does the catalog give the caller that entity. Asked in chunks, each a short
   * request with its own timeout; a 503 when the catalog cannot tell.
   */
  private async readableOf(
    entityRefs: string[],
    credentials: BackstageCredentials,
  ): Promise<boolean[]> {
    const out: boolean[] = [];
    for (let i = 0; i < entityRefs.length; i += CATALOG_CHUNK) {
      const chunk = entityRefs.slice(i, i + CATALOG_CHUNK);
      const { items } = await this.withTimeout(
        this.options.catalog.getEntitiesByRefs(
          { entityRefs: chunk, fields: REF_FIELDS },
          { credentials },
        ),
      );
      chunk.forEach((_, j) => out.push(Boolean(items[j])));
    }
    return out;
  }

  private async withTimeout<T>(request: Promise<T>): Promise<T> {
    const timeoutMs = this.options.catalogTimeoutMs ?? CATALOG_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        request,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      throw new ServiceUnavailableError(
        `The catalog could not tell which entities you may read: ${
          (error as Error)?.message ?? error
        }`,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
