import { rng } from '../../__testUtils__/generatedCatalog';
import { runsOf } from './graphItems';
import { RowIndex } from './rowIndex';

describe('RowIndex', () => {
  it('answers as a Map of the rows now after deltas that drop, change, add and move rows', () => {
    const rand = rng(7);
    let keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    let index: ReadonlyMap<string, number> = new Map(
      keys.map((k, i) => [k, i]),
    );
    let next = 1000;
    const kinds = new Set<string>();
    const dropped: string[] = [];
    for (let delta = 0; delta < 30; delta++) {
      // each row: kept (its previous row), or new (a changed item of the same key, or a new key);
      // some previous rows dropped; a run now and then moved to the end
      const recipe: number[] = [];
      const after: string[] = [];
      let added = 0;
      const moved: number[] = [];
      for (let row = 0; row < keys.length; row++) {
        const k = keys[row];
        const x = rand();
        if (x < 0.005) {
          dropped.push(k);
          continue;
        }
        if (x < 0.01) {
          recipe.push(-++added); // changed: the same key, a new item
          after.push(k);
        } else if (x < 0.012) {
          moved.push(row);
        } else {
          recipe.push(row);
          after.push(k);
        }
        if (rand() < 0.003) {
          recipe.push(-++added);
          after.push(`k${next++}`);
        }
      }
      for (const row of moved) {
        recipe.push(row);
        after.push(keys[row]);
      }
      // a key dropped earlier comes back
      const back = dropped.shift();
      if (back !== undefined && delta % 5 === 4) {
        recipe.push(-++added);
        after.push(back);
      } else if (back !== undefined) dropped.unshift(back);
      index = RowIndex.after(index, runsOf(Int32Array.from(recipe)), after);
      keys = after;
      kinds.add(index.constructor.name);
      const expected = new Map(keys.map((k, i) => [k, i]));
      expect(index.size).toBe(expected.size);
      const asked = [...keys, ...dropped, `k${next}`, 'none'];
      const now = index;
      expect(asked.map(k => [now.get(k), now.has(k)])).toEqual(
        asked.map(k => [expected.get(k), expected.has(k)]),
      );
      expect([...now]).toEqual([...expected]);
      expect([...now.keys()]).toEqual([...expected.keys()]);
      expect([...now.values()]).toEqual([...expected.values()]);
      const each: Array<[string, number, boolean]> = [];
      now.forEach((v, k, map) => each.push([k, v, map === now]));
      expect(each).toEqual([...expected].map(([k, v]) => [k, v, true]));
    }
    // the deltas were followed without a Map of every key, and one was made again when they
    // weighed half the rows
    expect(kinds).toEqual(new Set(['RowIndex', 'Map']));
  }, 20_000);
});
