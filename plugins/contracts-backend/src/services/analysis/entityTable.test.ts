import { rng } from '../../__testUtils__/generatedCatalog';
import { EntityTable, EntityTableBuilder, entityHashes } from './entityTable';
import { EntityColumns, entitiesOf, LazyEntity } from './lazyEntity';
import { OverlayMap } from './overlayMap';
import type { EntityWire, StoredEntity, TransferPart } from './protocol';

type Part = Pick<TransferPart, 'entities' | 'entityJson'>;

/** A piece of `keys`' entities, version `v`: some without an etag, hash or problems. */
function pieceOf(keys: string[], v: number): Part {
  const entities: EntityWire[] = [];
  let entityJson = '';
  keys.forEach(k => {
    const i = Number(k.slice(1));
    entityJson += JSON.stringify({
      summary: { ref: k, kind: 'Component', name: `${k}-v${v}` },
      ...(i % 3 ? { contract: { entityRef: k, version: v } } : {}),
    });
    entities.push([
      k,
      i % 5 === 1 ? null : `etag-${k}-${v}`,
      i % 4 === 2
        ? JSON.stringify([
            { entityRef: k, message: `p${v}`, severity: 'error' },
          ])
        : null,
      entityJson.length,
      i % 3 ? `h${v}${'x'.repeat(i % 7)}` : null,
    ]);
  });
  return { entities, entityJson };
}

/** Every way an entity is read. */
const read = (e: StoredEntity | undefined) =>
  e && {
    etag: e.etag,
    summary: e.summary,
    contract: e.contract,
    problems: e.problems,
    contractHash: e.contractHash,
    json: (e as LazyEntity).json(),
  };

/** What a map of entities answers, every way it is read. */
function readings(map: ReadonlyMap<string, StoredEntity>, asked: string[]) {
  return {
    size: map.size,
    entries: [...map].map(([k, e]) => [k, read(e)]),
    keys: [...map.keys()],
    values: [...map.values()].map(read),
    asked: asked.map(k => [k, map.has(k), read(map.get(k))]),
  };
}

describe('EntityTable', () => {
  it("reads the same whatever the header says of how many entities come (a hint: a damaged snapshot's head may say anything)", () => {
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
    const tableOf = (expected?: number) => {
      const builder = new EntityTableBuilder(expected);
      for (let i = 0; i < keys.length; i += 100) {
        builder.add(pieceOf(keys.slice(i, i + 100), 0), []);
      }
      return builder.table();
    };
    const asked = ['k0', 'k249', 'none'];
    const expected = readings(tableOf(), asked);
    for (const hint of [250, 10, 100_000, 1e15, -1, NaN, 2.5]) {
      expect(readings(tableOf(hint), asked)).toEqual(expected);
    }
  });

  it('answers as a Map of its entities through deltas that change, remove, add and bring back keys', () => {
    const rand = rng(11);
    let keys = Array.from({ length: 400 }, (_, i) => `k${i}`);
    const builder = new EntityTableBuilder();
    const problems: unknown[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      builder.add(pieceOf(keys.slice(i, i + 100), 0), problems as never);
    }
    const table = builder.table();
    const expected = new Map<string, StoredEntity>();
    for (const [k, e] of entitiesOf(pieceOf(keys, 0))) expected.set(k, e);
    expect(problems).toEqual([...expected.values()].flatMap(e => e.problems));
    // the key strings are the pieces' own, shared
    expect(builder.keyOf('k7')).toBe(table.keyOf('k7'));
    expect(table.keyOf('none')).toBeUndefined();
    expect(readings(table, ['k0', 'k399', 'none'])).toEqual(
      readings(expected, ['k0', 'k399', 'none']),
    );

    let map: ReadonlyMap<string, StoredEntity> = table;
    const kinds = new Set<string>();
    const gone: string[] = [];
    let next = keys.length;
    for (let delta = 1; delta <= 40; delta++) {
      const changed: string[] = [];
      const removed: string[] = [];
      for (const k of keys) {
        const x = rand();
        if (x < 0.02) removed.push(k);
        else if (x < 0.06) changed.push(k);
      }
      // new keys now and then, a removed one back
      if (delta % 3 === 0) changed.push(`k${next++}`, `k${next++}`);
      if (delta % 4 === 0 && gone.length) changed.push(gone.shift()!);
      // one both removed and set: set (OverlayMap.of)
      if (delta % 7 === 0) removed.push(changed[0]);
      const added = entitiesOf(pieceOf(changed, delta));
      map = OverlayMap.of(map, added, removed, EntityTable.compact);
      kinds.add(map.constructor.name);
      for (const k of removed) {
        if (!changed.includes(k)) expected.delete(k);
      }
      for (const [k, e] of added) expected.set(k, e);
      gone.push(...removed.filter(k => !expected.has(k)));
      keys = [...expected.keys()];
      const asked = [...keys.slice(0, 20), ...gone, `k${next}`, 'none'];
      expect(readings(map, asked)).toEqual(readings(expected, asked));
      // what reads every key, or every hash, makes no entity of the table's
      const made = jest.spyOn(EntityColumns.prototype, 'entity');
      expect([...map.keys()]).toEqual(keys);
      expect([...entityHashes(map)]).toEqual(
        [...expected].map(([k, e]) => [k, e.contractHash]),
      );
      expect(made).not.toHaveBeenCalled();
      made.mockRestore();
    }
    // the deltas were overlays, flattened into tables (not Maps)
    expect(kinds).toEqual(new Set(['OverlayMap', 'EntityTable']));
  });

  it('reads an entity’s problems as the same array each time (what the problems list holds)', () => {
    const builder = new EntityTableBuilder();
    const problems: never[] = [];
    builder.add(pieceOf(['a', 'b', 'c'], 1), problems);
    const table = builder.table();
    expect(table.get('c')!.problems).toBe(table.get('c')!.problems);
    expect(table.get('c')!.problems[0]).toBe(problems[0]);
    expect(table.get('a')!.problems).toEqual([]);
  });
});
