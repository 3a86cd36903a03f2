import { NotFoundError } from '@backstage/errors';
import { gunzipSync } from 'node:zlib';
import type { GraphSnapshot } from '../services/ContractsGraphService';
import { EntityBodyCache } from './EntityBodyCache';
import { acceptsGzip } from './router';

const snapshot = (...refs: string[]) =>
  ({ entities: new Map(refs.map(r => [r, {}])) } as unknown as GraphSnapshot);
const NOW = Date.parse('2026-06-01T12:00:00Z');
const json = (gzip: Buffer) => JSON.parse(gunzipSync(gzip).toString('utf8'));

describe('EntityBodyCache', () => {
  it('keeps a body for its snapshot content and freshness only', () => {
    const built: string[] = [];
    const cache = new EntityBodyCache((_s, ref) => {
      built.push(ref);
      return { ref, decisions: [] } as any;
    });
    const s1 = snapshot('a');
    const first = cache.get(s1, 'a', NOW);
    expect(json(first.gzip)).toEqual({ ref: 'a', decisions: [] });
    expect(JSON.parse(first.plain().toString('utf8'))).toEqual({
      ref: 'a',
      decisions: [],
    });
    expect(first.etag).toMatch(/^W\/"/);
    expect(cache.get(s1, 'a', NOW)).toBe(first);
    expect(built).toEqual(['a']);
    // the same graph with a persisted version: the same body
    const versioned = { ...s1, version: 7 } as GraphSnapshot;
    expect(cache.get(versioned, 'a', NOW)).toBe(first);
    expect(built).toEqual(['a']);
    // the same graph marked stale: built again (the body shows it)
    const stale = { ...s1, stale: true, staleReason: 'x' } as GraphSnapshot;
    expect(cache.get(stale, 'a', NOW)).not.toBe(first);
    // a new graph: built again
    expect(cache.get(snapshot('a'), 'a', NOW)).not.toBe(first);
    expect(built).toEqual(['a', 'a', 'a']);
  });

  it('builds the bodies of invalidated entities again, and only those', () => {
    const built: string[] = [];
    const cache = new EntityBodyCache((_s, ref, _now, hidden) => {
      built.push(hidden ? `${ref}/${[...hidden]}` : ref);
      return { decisions: [] };
    });
    const s = snapshot('a', 'b');
    const a = cache.get(s, 'a', NOW);
    const b = cache.get(s, 'b', NOW);
    const aHidden = cache.get(s, 'a', NOW, new Set(['x']));
    cache.invalidate(['A']);
    expect(cache.get(s, 'b', NOW)).toBe(b);
    expect(cache.get(s, 'a', NOW)).not.toBe(a);
    expect(cache.get(s, 'a', NOW, new Set(['x']))).not.toBe(aHidden);
    expect(built).toEqual(['a', 'b', 'a/x', 'a', 'a/x']);
  });

  it('keeps one body per visibility class, apart from the shared one', () => {
    const cache = new EntityBodyCache((_s, ref, _now, hidden) => ({
      ref,
      hidden: hidden ? [...hidden].sort() : 'all',
      decisions: [],
    }));
    const s = snapshot('a');
    const all = cache.get(s, 'a', NOW);
    const none = cache.get(s, 'a', NOW, new Set());
    const xy = cache.get(s, 'a', NOW, new Set(['x', 'y']));
    expect(json(all.gzip).hidden).toBe('all');
    expect(json(none.gzip).hidden).toEqual([]);
    expect(json(xy.gzip).hidden).toEqual(['x', 'y']);
    // the same class, whatever the order of its set
    expect(cache.get(s, 'a', NOW, new Set(['y', 'x']))).toBe(xy);
    expect(cache.get(s, 'a', NOW, new Set(['x']))).not.toBe(xy);
    expect(cache.get(s, 'a', NOW)).toBe(all);
  });

  it('gives the ETag Express gives the uncompressed body', () => {
    const cache = new EntityBodyCache(() => ({ decisions: [] }));
    // express: etag(Buffer.from('{"decisions":[]}'), { weak: true })
    expect(cache.get(snapshot('a'), 'a', NOW).etag).toBe(
      'W/"10-2qVUt4q5YEUb2ZVrAUaAzqYbZqc"',
    );
  });

  it('expires a body at the next review date of its decisions', () => {
    const decision = (reviewBy: string) => ({
      id: reviewBy,
      findingId: 'f',
      evidenceHash: 'e',
      status: 'accepted' as const,
      reviewBy,
    });
    const cache = new EntityBodyCache(() => ({
      decisions: [decision('2026-05-01'), decision('2026-06-01T13:00:00Z')],
    }));
    const s = snapshot('a');
    const first = cache.get(s, 'a', NOW);
    expect(cache.get(s, 'a', NOW + 59 * 60_000)).toBe(first);
    expect(cache.get(s, 'a', NOW + 60 * 60_000)).not.toBe(first);
  });

  it('builds a body again at its first request after a change', () => {
    const built: string[] = [];
    const cache = new EntityBodyCache((s, ref) => {
      if (!s.entities.has(ref)) throw new NotFoundError(ref);
      built.push(ref);
      return { decisions: [] };
    });
    const s1 = snapshot('a', 'b', 'c');
    for (const ref of ['a', 'b', 'c']) cache.get(s1, ref, NOW);
    expect(built).toEqual(['a', 'b', 'c']);
    // a new snapshot, without 'b': only what is asked for is built, once
    const s2 = snapshot('a', 'c');
    built.length = 0;
    const a = cache.get(s2, 'a', NOW);
    expect(cache.get(s2, 'a', NOW)).toBe(a);
    expect(built).toEqual(['a']);
    // a request for an entity the graph no longer has gets the builder's error
    expect(() => cache.get(s2, 'b', NOW)).toThrow(NotFoundError);
  });
});

describe('acceptsGzip', () => {
  it('reads Accept-Encoding as browsers and clients send it', () => {
    expect(acceptsGzip('gzip, deflate, br, zstd')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.8')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('GZIP')).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('gzip; q=0.0, identity')).toBe(false);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
  });
});
