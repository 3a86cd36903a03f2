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

/** How long one slice of the background rebuild may hold the event loop. */
const FILL_SLICE_MS = 4;
/** The most of the event loop's time the background rebuild may take. */
const FILL_MAX_SHARE = 0.25;

/**
 * Serialized, compressed entity responses of one graph snapshot and decisions version: replaced
 * whole when either changes, so a body is never older than what it was built from. Holds at most
 * one body per entity of the snapshot.
 *
 * A body is built at the first request for it. When the snapshot or the decisions version
 * changes, the bodies that had been asked for are built again in the background, in short
 * slices that take at most a quarter of the event loop, so that requests for them find their
 * body ready instead of building it.
 */
export class EntityBodyCache {
  private snapshot?: GraphSnapshot;
  private decisionsVersion = -1;
  private bodies = new Map<string, CachedBody>();
  /** Every entity asked for (and still in the graph): what the background rebuild builds. */
  private readonly asked = new Set<string>();

  constructor(
    private readonly build: EntityBodyBuilder,
    private readonly options: { fillInBackground?: boolean } = {},
  ) {}

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
      if (this.options.fillInBackground !== false) this.fill([...this.asked]);
    }
    const cached = this.bodies.get(ref);
    if (cached && now < cached.validUntil) return cached;
    const built = this.serialize(this.build(snapshot, ref, now), now);
    this.bodies.set(ref, built);
    this.asked.add(ref);
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

  /** Builds the bodies of `refs` for the current snapshot, a few milliseconds at a time. */
  private fill(refs: string[]) {
    const snapshot = this.snapshot!;
    const bodies = this.bodies;
    let i = 0;
    const slice = () => {
      // a newer snapshot or decisions version replaced the map: its own rebuild takes over
      if (this.bodies !== bodies) return;
      const started = Date.now();
      let now = started;
      for (;;) {
        if (i >= refs.length) return;
        const ref = refs[i++];
        if (bodies.has(ref)) continue;
        try {
          bodies.set(ref, this.serialize(this.build(snapshot, ref, now), now));
        } catch {
          // gone from the graph: no longer rebuilt (a request for it gets the builder's error)
          this.asked.delete(ref);
        }
        now = Date.now();
        if (now - started >= FILL_SLICE_MS) break;
      }
      const pause = ((now - started) * (1 - FILL_MAX_SHARE)) / FILL_MAX_SHARE;
      setTimeout(slice, pause).unref();
    };
    setImmediate(slice).unref();
  }
}
