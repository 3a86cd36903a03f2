import {
  type DecisionRecord,
  reviewDeadline,
} from '@internal/backstage-plugin-contracts-common';
import { createHash } from 'node:crypto';
import type { GraphSnapshot } from '../services/ContractsGraphService';

/** The weak ETag Express gives a response body (its `etag` setting's default). */
function weakEtag(body: Buffer): string {
  const hash = createHash('sha1')
    .update(body)
    .digest('base64')
    .substring(0, 27);
  return `W/"${body.length.toString(16)}-${hash}"`;
}

/** A serialized response body and its ETag (the weak one Express would compute). */
export interface CachedBody {
  body: Buffer;
  etag: string;
  /** The time the body may change by itself: the next review date of its decisions. */
  validUntil: number;
}

/**
 * Serialized entity responses of one graph snapshot and decisions version: replaced whole when
 * either changes, so a body is never older than what it was built from. Holds at most one body
 * per entity of the snapshot.
 */
export class EntityBodyCache {
  private snapshot?: GraphSnapshot;
  private decisionsVersion = -1;
  private bodies = new Map<string, CachedBody>();

  get(
    snapshot: GraphSnapshot,
    decisionsVersion: number,
    ref: string,
    now: number,
  ): CachedBody | undefined {
    if (
      snapshot !== this.snapshot ||
      decisionsVersion !== this.decisionsVersion
    ) {
      this.snapshot = snapshot;
      this.decisionsVersion = decisionsVersion;
      this.bodies = new Map();
      return undefined;
    }
    const cached = this.bodies.get(ref);
    return cached && now < cached.validUntil ? cached : undefined;
  }

  set(
    snapshot: GraphSnapshot,
    decisionsVersion: number,
    ref: string,
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
    const cached = { body, etag: weakEtag(body), validUntil };
    if (
      snapshot === this.snapshot &&
      decisionsVersion === this.decisionsVersion
    ) {
      this.bodies.set(ref, cached);
    }
    return cached;
  }
}
