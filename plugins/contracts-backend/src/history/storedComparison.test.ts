import {
  type ComparedState,
  StoredComparisons,
  storedChanges,
} from './storedComparison';

/** A snapshot's state: contract hashes by key (null: an entity without one), findings' evidence. */
const state = (
  hashes: Record<string, string | null>,
  findings: Record<string, string>,
): ComparedState => ({
  entities: new Map(
    Object.entries(hashes).map(([k, h]) => [
      k,
      h === null ? {} : { contractHash: h },
    ]),
  ),
  findings: () => Object.entries(findings),
});

describe('storedChanges', () => {
  it('lists what differs from the stored pairs, in the order of their keys', () => {
    const stored = {
      contracts: [
        [
          ['same', 'changed', 'gone'],
          ['h1', 'h2', 'h3'],
        ],
        [['unread'], ['h4']],
      ] as Array<[string[], string[]]>,
      findings: [
        [
          ['f-same', 'f-moved', 'f-closed'],
          ['e1', 'e2', 'e3'],
        ],
      ] as Array<[string[], string[]]>,
    };
    const now = state(
      { same: 'h1', changed: 'h2b', gone: null, b: 'h5', a: null },
      { 'f-same': 'e1', 'f-moved': 'e2b', 'f-new': 'e4' },
    );
    expect(storedChanges(stored, now)).toEqual({
      // (an entity the snapshot does not have is left; a new one without a contract is nothing)
      contracts: [
        { ref: 'b', after: 'h5' },
        { ref: 'changed', before: 'h2', after: 'h2b' },
        { ref: 'gone', before: 'h3', after: undefined },
      ],
      findings: [
        { id: 'f-closed', stored: true, open: false },
        { id: 'f-moved', stored: true, open: true },
        { id: 'f-new', stored: false, open: true },
      ],
    });
  });
});

describe('StoredComparisons', () => {
  it('compares the pages handed to it, answers in pages, and gives up once the state moved on', () => {
    const comparisons = new StoredComparisons();
    let current = true;
    const snapshot = state({ a: 'h1', b: 'h2', c: 'h3' }, { f: 'e' });
    const id = comparisons.begin(() => (current ? snapshot : undefined))!;
    comparisons.stored(id, 'contracts', ['a'], ['h0']);
    comparisons.stored(id, 'contracts', ['b'], ['h2']);
    const first = comparisons.changes(id, 2);
    expect(first).toEqual({
      contracts: [
        { ref: 'a', before: 'h0', after: 'h1' },
        { ref: 'c', after: 'h3' },
      ],
      findings: [],
      done: false,
    });
    // (once compared, what was compared is read to the end)
    current = false;
    expect(comparisons.changes(id, 2)).toEqual({
      contracts: [],
      findings: [{ id: 'f', stored: false, open: true }],
      done: true,
    });
    expect(() => comparisons.changes(id, 2)).toThrow(/no history comparison/);
    // a state that moved on: none begun, or none compared
    expect(comparisons.begin(() => undefined)).toBeUndefined();
    current = true;
    const other = comparisons.begin(() => (current ? snapshot : undefined))!;
    current = false;
    expect(comparisons.changes(other, 10)).toBeUndefined();
    comparisons.end(other);
    expect(() => comparisons.stored(other, 'findings', [], [])).toThrow();
  });
});
