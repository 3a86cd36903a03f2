import type { GraphSnapshot } from '../services/ContractsGraphService';
import { EntityBodyCache } from './EntityBodyCache';

const snapshot = () => ({} as GraphSnapshot);
const NOW = Date.parse('2026-06-01T12:00:00Z');

describe('EntityBodyCache', () => {
  it('keeps a body for its snapshot and decisions version only', () => {
    const cache = new EntityBodyCache();
    const s1 = snapshot();
    expect(cache.get(s1, 0, 'a', NOW)).toBeUndefined();
    const set = cache.set(s1, 0, 'a', { decisions: [] }, NOW);
    expect(JSON.parse(set.body.toString('utf8'))).toEqual({ decisions: [] });
    expect(set.etag).toMatch(/^W\/"/);
    expect(cache.get(s1, 0, 'a', NOW)).toBe(set);
    expect(cache.get(s1, 1, 'a', NOW)).toBeUndefined();
    expect(cache.get(s1, 1, 'a', NOW)).toBeUndefined();
    cache.set(s1, 1, 'a', { decisions: [] }, NOW);
    expect(cache.get(snapshot(), 1, 'a', NOW)).toBeUndefined();
  });

  it('expires a body at the next review date of its decisions', () => {
    const cache = new EntityBodyCache();
    const s = snapshot();
    cache.get(s, 0, 'a', NOW);
    const decision = (reviewBy: string) => ({
      id: reviewBy,
      findingId: 'f',
      evidenceHash: 'e',
      status: 'accepted',
      reviewBy,
    });
    cache.set(
      s,
      0,
      'a',
      { decisions: [decision('2026-05-01'), decision('2026-06-01T13:00:00Z')] },
      NOW,
    );
    expect(cache.get(s, 0, 'a', NOW + 59 * 60_000)).toBeDefined();
    expect(cache.get(s, 0, 'a', NOW + 60 * 60_000)).toBeUndefined();
  });
});
