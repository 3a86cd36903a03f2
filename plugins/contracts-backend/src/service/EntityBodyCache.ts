import {
  type DecisionRecord,
  reviewDeadline,
} from '@backstage-contracts/plugin-contracts-common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type GraphSnapshot, refKey } from '../services/ContractsGraphService';

/**
 * The weak ETag Express gives a response body (its `etag` setting's default): its length and
 * the SHA-1 of it, or of `parts` when given (what the body is made of, in order, some of them
 * digests of the pieces already: the hash is then not Express's, and as telling).
 */
export function weakEtag(
  body: Buffer,
  parts: Array<string | Uint8Array> = [body],
): string {
  const sha1 = createHash('sha1');
  for (const part of parts) sha1.update(part);
  const hash = sha1.digest('base64').substring(0, 27);
  return `W/"${body.length.toString(16)}-${hash}"`;
}

/** A serialized response body, gzip-compressed, and its ETag (of the JSON it holds). */
export interface CachedBody {
  /** The JSON body (UTF-8), gzip-compressed. */
  gzip: Buffer;
  /** The weak ETag Express would give the uncompressed body. */
  etag: string;
  /** The time the body may change by itself: the next review date of its decisions. */
  validUntil: number;
  /** The JSON body (UTF-8) uncompressed, for clients that do not take gzip (inflated once). */
  plain(): Buffer;
}

/**
 * Builds the response value of one entity as callers of one visibility class see it (`hidden`:
 * the entities named around it that they may not read; undefined: callers who may read every
 * entity); throws (a NotFoundError) when there is none.
 */
export type EntityBodyBuilder = (
  snapshot: GraphSnapshot,
  ref: string,
  now: number,
  hidden: ReadonlySet<string> | undefined,
) => { decisions: DecisionRecord[] };

/** The most entities whose bodies are kept for callers who may not read every entity. */
const MAX_CLASS_ENTITIES = 10_000;
/** The most visibility classes kept per entity (the oldest go first). */
const MAX_CLASSES_PER_ENTITY = 16;

/**
 * Serialized, compressed entity responses, built at the first request for them and sent as they
 * are until what they were built from changes:
 * - the graph: a snapshot whose findings and entities are not the cached ones (a new analysis),
 *   or whose freshness differs (stale, its reason, its times), drops every body; a snapshot
 *   object that only carries a new persisted `version` keeps them (the body does not show it);
 * - decisions: {@link invalidate} drops the bodies of the parties of a finding whose decisions
 *   changed (the bodies that embed it);
 * - time: a body expires at the next review date of its decisions.
 *
 * One body per entity for callers who may read every entity; for the others one per entity and
 * visibility class (the set of entities around it the caller may not read: all the redacted
 * body depends on), for at most {@link MAX_CLASS_ENTITIES} entities (least recently served go).
 */
export class EntityBodyCache {
  private snapshot?: GraphSnapshot;
  private content?: GraphSnapshot['items'];
  private entities?: GraphSnapshot['entities'];
  private freshness = '';
  private bodies = new Map<string, CachedBody>();
  private classBodies = new LRUCache<string, Map<string, CachedBody>>({
    max: MAX_CLASS_ENTITIES,
  });

  constructor(private readonly build: EntityBodyBuilder) {}

  /**
   * The body of `ref` (lower-cased) in `snapshot`, built now if it is not there (or expired):
   * for callers who may read every entity, or (`hidden`) for callers who may read the entity but
   * not the entities `hidden` (lower-cased refs, among those its findings name).
   */
  get(
    snapshot: GraphSnapshot,
    ref: string,
    now: number,
    hidden?: ReadonlySet<string>,
  ): CachedBody {
    if (snapshot !== this.snapshot) this.follow(snapshot);
    if (!hidden) {
      const cached = this.bodies.get(ref);
      if (cached && now < cached.validUntil) return cached;
      const built = serialize(this.build(snapshot, ref, now, hidden), now);
      this.bodies.set(ref, built);
      return built;
    }
    const key = [...hidden].sort().join('\n');
    let classes = this.classBodies.get(ref);
    const cached = classes?.get(key);
    if (cached && now < cached.validUntil) return cached;
    const built = serialize(this.build(snapshot, ref, now, hidden), now);
    if (!classes) {
      classes = new Map();
      this.classBodies.set(ref, classes);
    }
    classes.delete(key);
    if (classes.size >= MAX_CLASSES_PER_ENTITY) {
      classes.delete(classes.keys().next().value!);
    }
    classes.set(key, built);
    return built;
  }

  /** Drops the bodies of these entities (any case), for every visibility class. */
  invalidate(refs: Iterable<string>): void {
    for (const ref of refs) {
      const k = refKey(ref);
      this.bodies.delete(k);
      this.classBodies.delete(k);
    }
  }

  /** Drops every body when the snapshot's content or freshness is not the cached one. */
  private follow(s: GraphSnapshot) {
    this.snapshot = s;
    const freshness = freshnessKey(s);
    if (
      s.items === this.content &&
      s.entities === this.entities &&
      freshness === this.freshness
    ) {
      return;
    }
    this.content = s.items;
    this.entities = s.entities;
    this.freshness = freshness;
    this.bodies = new Map();
    this.classBodies.clear();
  }
}

/**
 * The first review date after `now` among `decisions` (Infinity if none): until then, what the
 * time does to their findings' status stays as it is.
 */
export function nextReviewDeadline(
  decisions: Iterable<Pick<DecisionRecord, 'reviewBy'>>,
  now: number,
): number {
  let next = Infinity;
  for (const d of decisions) {
    const deadline = d.reviewBy ? reviewDeadline(d.reviewBy) : undefined;
    if (deadline !== undefined && deadline > now)
      next = Math.min(next, deadline);
  }
  return next;
}

/** What a body shows of the snapshot besides its content. */
export function freshnessKey(s: GraphSnapshot): string {
  return `${s.stale}|${s.computedAt}|${s.staleReason}|${s.staleSince}|${s.lastSuccessAt}`;
}

function serialize(
  value: { decisions: DecisionRecord[] },
  now: number,
): CachedBody {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const validUntil = nextReviewDeadline(value.decisions, now);
  const gzip = gzipSync(body, { level: 9 });
  let plain: Buffer | undefined;
  return {
    gzip,
    etag: weakEtag(body),
    validUntil,
    plain: () => (plain ??= gunzipSync(gzip)),
  };
}
