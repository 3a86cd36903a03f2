import { hashParts, HashPrefix, hashPartsFrom } from './hash';

describe('hashPartsFrom', () => {
  it('equals hashParts of the prefix and the two parts', () => {
    const cases: string[][] = [
      ['edge', 'call', 'component:default/a', 'component:default/b', 'op'],
      ['edge', 'dataset', 'A', '', ''],
      ['x', '', 'ü→✓', 'émoji 🎉', '\n'],
      ['only', 'a', 'b'],
    ];
    for (const parts of cases) {
      const prefix = new HashPrefix(parts.slice(0, -2));
      expect(
        hashPartsFrom(prefix, parts[parts.length - 2], parts[parts.length - 1]),
      ).toBe(hashParts(parts));
    }
  });

  it('keeps the seed of the prefix', () => {
    const prefix = new HashPrefix(['a', 'b'], 7);
    expect(hashPartsFrom(prefix, 'c', 'd')).toBe(
      hashParts(['a', 'b', 'c', 'd'], 7),
    );
  });
});
