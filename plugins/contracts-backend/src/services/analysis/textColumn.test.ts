import { rng } from '../../__testUtils__/generatedCatalog';
import { followArray, runsOf } from './graphItems';
import { TextColumn, TextColumnBuilder } from './textColumn';

describe('TextColumn', () => {
  it('reads as the array of its strings, after deltas that keep, drop, add and move rows', () => {
    const rand = rng(3);
    const word = () =>
      'x'.repeat(Math.floor(rand() * 5)) + rand().toString(36).slice(2, 8);
    let values = Array.from({ length: 300 }, word);
    let column = TextColumn.of(values);
    for (let delta = 0; delta < 20; delta++) {
      const recipe: number[] = [];
      const added: string[] = [];
      values.forEach((_, row) => {
        const x = rand();
        if (x < 0.05) return;
        if (x < 0.1) {
          added.push(word());
          recipe.push(-added.length);
        } else recipe.push(row);
      });
      if (delta % 3 === 0) recipe.push(recipe.shift()!);
      const runs = runsOf(Int32Array.from(recipe));
      values = [...followArray(runs, values, added)];
      column = column.followed(runs, TextColumn.of(added));
      expect(column.length).toBe(values.length);
      expect([...column]).toEqual(values);
      expect([column.at(-1), column.at(values.length)]).toEqual([
        undefined,
        undefined,
      ]);
    }
    // no row moved: the same column
    const same = runsOf(Int32Array.from(values.map((_, i) => i)));
    expect(column.followed(same, TextColumn.of([]))).toBe(column);
    expect([...TextColumn.of([])]).toEqual([]);
  });

  it('made piece by piece, reads as the array of all their strings', () => {
    const pieces = [['a', 'bc'], [], ['', 'def', 'g'], ['hij']];
    const builder = new TextColumnBuilder();
    for (const piece of pieces) builder.add(piece);
    const column = builder.done();
    expect([...column]).toEqual(pieces.flat());
    expect(column.at(2)).toBe('');
    expect(column.at(3)).toBe('def');
    expect([...new TextColumnBuilder().done()]).toEqual([]);
  });
});
