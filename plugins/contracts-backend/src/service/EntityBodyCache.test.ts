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
  it('keeps a body for its snapshot and decisions version only', () => {
    const built: string[] = [];
    const cache = new EntityBodyCache(
      (_s, ref) => {
        built.push(ref);
        return { ref, decisions: [] } as any;
      },
    );
    const s1 = snapshot('a');
    const first = cache.get(s1, 0, 'a', NOW);
    expect(json(first.gzip)).toEqual({ ref: 'a', decisions: [] });
    expect(first.etag).toMatch(/^W\/"/);
    expect(cache.get(s1, 0, 'a', NOW)).toBe(first);
    expect(built).toEqual(['a']);
    // a new decisions version, a new snapshot: built again
    expect(cache.get(s1, 1, 'a', NOW)).not.toBe(first);
    expect(cache.get(snapshot('a'), 1, 'a', NOW)).not.toBe(first);
    expect(built).toEqual(['a', 'a', 'a']);
  });

  it('gives the ETag Express gives the uncompressed body', () => {
    const cache = new EntityBodyCache(() => ({ decisions: [] }));
    // express: etag(Buffer.from('{"decisions":[]}'), { weak: true })
    expect(cache.get(snapshot('a'), 0, 'a', NOW).etag).toBe(
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
    const cache = new EntityBodyCache(
      () => ({
        decisions: [decision('2026-05-01'), decision('2026-06-01T13:00:00Z')],
      }),
    );
    const s = snapshot('a');
    const first = cache.get(s, 0, 'a', NOW);
    expect(cache.get(s, 0, 'a', NOW + 59 * 60_000)).toBe(first);
    expect(cache.get(s, 0, 'a', NOW + 60 * 60_000)).not.toBe(first);
  });

  it('builds a body again at its first request after a change', () => {
    const built: string[] = [];
    const cache = new EntityBodyCache((s, ref) => {
      if (!s.entities.has(ref)) throw new NotFoundError(ref);
      built.push(ref);
      return { decisions: [] };
    });
    const s1 = snapshot('a', 'b', 'c');
    for (const ref of ['a', 'b', 'c']) cache.get(s1, 0, ref, NOW);
    expect(built).toEqual(['a', 'b', 'c']);
    // a new snapshot, without 'b': only what is asked for is built, once
    const s2 = snapshot('a', 'c');
    built.length = 0;
    const a = cache.get(s2, 0, 'a', NOW);
    expect(cache.get(s2, 0, 'a', NOW)).toBe(a);
    expect(built).toEqual(['a']);
    // a request for an entity the graph no longer has gets the builder's error
    expect(() => cache.get(s2, 0, 'b', NOW)).toThrow(NotFoundError);
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
