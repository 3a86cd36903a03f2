import { rng } from '../../__testUtils__/generatedCatalog';
import { OverlayMap } from './overlayMap';
import { SlotMap } from './slotMap';

/** What a map answers, every way it is read. */
function readings<K, V>(map: ReadonlyMap<K, V>, asked: K[]) {
  const each: Array<[K, V]> = [];
  map.forEach((v, k) => each.push([k, v]));
  return {
    size: map.size,
    entries: [...map],
    keys: [...map.keys()],
    values: [...map.values()],
    each,
    asked: asked.map(k => [k, map.has(k), map.get(k)]),
  };
}

/** A SlotMap of `entries`. */
function slotMapOf<V>(entries: Array<[string, V]>): SlotMap<string, V> {
  return SlotMap.of(
    entries.map(([k]) => k),
    entries.map(([, v]) => v),
    new Map(entries.map(([k], i) => [k, i])),
  );
}

describe('SlotMap', () => {
  it('answers as a Map through overlays flattened into it, keys changed, deleted, added and back', () => {
    const rand = rng(5);
    const expected = new Map(
      Array.from(
        { length: 500 },
        (_, i) => [`k${i}`, [i]] as [string, number[]],
      ),
    );
    let map: ReadonlyMap<string, number[]> = slotMapOf([...expected]);
    const kinds = new Set<string>();
    const gone: string[] = [];
    let next = 500;
    for (let delta = 1; delta <= 60; delta++) {
      const set: Array<[string, number[]]> = [];
      const deleted: string[] = [];
      for (const k of expected.keys()) {
        const x = rand();
        if (x < 0.01) deleted.push(k);
        else if (x < 0.03) set.push([k, [delta]]);
      }
      if (delta % 2 === 0) set.push([`k${next++}`, [delta]]);
      if (delta % 3 === 0 && gone.length) set.push([gone.shift()!, [delta]]);
      // a key both set and deleted: set
      if (delta % 5 === 0) deleted.push(set[0][0]);
      map = OverlayMap.of(map, set, deleted, SlotMap.compact);
      kinds.add(map.constructor.name);
      for (const k of deleted) {
        if (!set.some(([s]) => s === k)) expected.delete(k);
      }
      for (const [k, v] of set) expected.set(k, v);
      gone.push(...deleted.filter(k => !expected.has(k)));
      const asked = [...[...expected.keys()].slice(0, 30), ...gone, 'none'];
      expect(readings(map, asked)).toEqual(readings(expected, asked));
    }
    // overlays, flattened into SlotMaps (never a copied Map)
    expect(kinds).toEqual(new Set(['OverlayMap', 'SlotMap']));
  });

  it('leaves a map as it was when two edits of it add keys', () => {
    const base = slotMapOf([
      ['a', 1],
      ['b', 2],
    ]);
    const one = OverlayMap.of(base, [['c', 3]], ['a'], SlotMap.compact);
    const two = OverlayMap.of(base, [['d', 4]], [], SlotMap.compact);
    expect(one).toBeInstanceOf(SlotMap);
    expect(two).toBeInstanceOf(SlotMap);
    expect([...base]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect([...one]).toEqual([
      ['b', 2],
      ['c', 3],
    ]);
    expect([...two]).toEqual([
      ['a', 1],
      ['b', 2],
      ['d', 4],
    ]);
    expect([two.get('c'), one.get('d'), one.get('a')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});
