import { OverlayMap } from './overlayMap';

/** What OverlayMap stands for: a copy of `base` with the changes applied. */
function copied<K, V>(
  base: ReadonlyMap<K, V>,
  set: Array<[K, V]>,
  deleted: K[],
): Map<K, V> {
  const out = new Map(base);
  for (const k of deleted) out.delete(k);
  for (const [k, v] of set) out.set(k, v);
  return out;
}

describe('OverlayMap', () => {
  it('reads and iterates as a copy of its base with the changes applied', () => {
    const base = new Map(Array.from({ length: 100 }, (_, i) => [i, `v${i}`]));
    const set: Array<[number, string]> = [
      [5, 'changed'],
      [200, 'new'],
    ];
    const overlay = OverlayMap.of(base, set, [7, 300]);
    const expected = copied(base, set, [7, 300]);
    expect(overlay).toBeInstanceOf(OverlayMap);
    expect([...overlay]).toEqual([...expected]);
    expect([...overlay.keys()]).toEqual([...expected.keys()]);
    expect([...overlay.values()]).toEqual([...expected.values()]);
    expect(overlay.size).toBe(expected.size);
    for (const k of [5, 7, 8, 200, 300]) {
      expect(overlay.get(k)).toBe(expected.get(k));
      expect(overlay.has(k)).toBe(expected.has(k));
    }
    // the base is left as it was
    expect(base.get(5)).toBe('v5');
    expect(base.size).toBe(100);
  });

  it('stacks deltas, and flattens them into a Map once they weigh an eighth of the whole', () => {
    const base = new Map(Array.from({ length: 100 }, (_, i) => [i, i]));
    let map: ReadonlyMap<number, number> = base;
    let expected = new Map(base);
    const kinds: string[] = [];
    for (let round = 0; round < 6; round++) {
      const set: Array<[number, number]> = [
        [round, -round],
        [1000 + round, round],
      ];
      const deleted = [50 + round];
      map = OverlayMap.of(map, set, deleted);
      expected = copied(expected, set, deleted);
      expect([...map]).toEqual([...expected]);
      expect(map.size).toBe(expected.size);
      kinds.push(map.constructor.name);
    }
    // 3 changes a round: at the fifth, 15 changes are more than an eighth of 105
    expect(kinds).toEqual([
      'OverlayMap',
      'OverlayMap',
      'OverlayMap',
      'OverlayMap',
      'Map',
      'OverlayMap',
    ]);
  });

  it('merges a stack of nine into one overlay over the Map beneath, with keys deleted and set again where a copy has them', () => {
    const base = new Map(Array.from({ length: 1000 }, (_, i) => [i, i]));
    let map: ReadonlyMap<number, number> = base;
    let expected = new Map(base);
    const depths: number[] = [];
    for (let round = 0; round < 20; round++) {
      // one changed in place, one new, one deleted, and the one deleted two rounds ago set again
      const set: Array<[number, number]> = [
        [round * 7, -1],
        [2000 + round, round],
      ];
      if (round >= 2) set.push([500 + round - 2, -round]);
      const deleted = [500 + round, 2000 + round - 1];
      map = OverlayMap.of(map, set, deleted);
      expected = copied(expected, set, deleted);
      expect([...map]).toEqual([...expected]);
      expect(map.size).toBe(expected.size);
      for (const k of [round * 7, 500 + round, 500 + round - 2, 2000 + round]) {
        expect(map.get(k)).toBe(expected.get(k));
        expect(map.has(k)).toBe(expected.has(k));
      }
      depths.push((map as unknown as { depth?: number }).depth ?? 0);
    }
    // never deeper than 8, never copied (the changes stay under an eighth of the whole)
    expect(Math.max(...depths)).toBe(8);
    expect(depths).toContain(1);
    expect(depths.every(d => d >= 1)).toBe(true);
    expect(base.size).toBe(1000);
  });
});
