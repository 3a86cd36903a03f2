import {
  type DecisionRecord,
  reviewDeadline,
} from '@backstage-contracts/plugin-contracts-common';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { GraphSnapshot } from '../services/ContractsGraphService';

/** The weak ETag Express gives a response body (its `etag` setting's default). */
function weakEtag(body: Buffer): string {
  const hash = createHash('sha1')
    .update(body)
    .digest('base64')
    .substring(0, 27);
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
}

/** Builds the response value of one entity; throws (a NotFoundError) when there is none. */
export type EntityBodyBuilder = (
  snapshot: GraphSnapshot,
  ref: string,
  now: number,
) => { decisions: DecisionRecord[] };

/**
 * Serialized, compressed entity responses of one graph snapshot and decisions version: replaced
 * whole when either changes, so a body is never older than what it was built from. Holds at most
 * one body per entity of the snapshot.
 *
 * A body is built at the first request for it (a snapshot changes only when the graph does:
 * the analysis runs in a worker, and its snapshots are swapped in whole).
 */
export class EntityBodyCache {
  private snapshot?: GraphSnapshot;
  private decisionsVersion = -1;
  private bodies = new Map<string, CachedBody>();

  constructor(private readonly build: EntityBodyBuilder) {}

  /** The body of `ref` in `snapshot`, built now if it is not there (or expired). */
  get(
    snapshot: GraphSnapshot,
    decisionsVersion: number,
    ref: string,
    now: number,
  ): CachedBody {
    if (
      snapshot !== this.snapshot ||
      decisionsVersion !== this.decisionsVersion
    ) {
      this.snapshot = snapshot;
      this.decisionsVersion = decisionsVersion;
      this.bodies = new Map();
    }
    const cached = this.bodies.get(ref);
    if (cached && now < cached.validUntil) return cached;
    const built = this.serialize(this.build(snapshot, ref, now), now);
    this.bodies.set(ref, built);
    return built;
  }

  private serialize(
    value: { decisions: DecisionRecord[] },
    now: number,
  ): CachedBody {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    let validUntil = Infinity;
    for (const d of value.decisions) {
      const deadline = d.reviewBy ? reviewDeadline(d.reviewBy) : undefined;
      if (deadline !== undefined && deadline > now) {
        validUntil = Math.min(validUntil, deadline);
      }
    }
    return {
      gzip: gzipSync(body, { level: 9 }),
      etag: weakEtag(body),
      validUntil,
    };
  }
}
