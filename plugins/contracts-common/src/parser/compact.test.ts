import { compactData, intern } from './compact';
import { parseEntityContract } from './parseEntityContract';
import { ESSAY_CONTRACTS } from '../engine/__fixtures__/essay';

describe('compactData', () => {
  it('keeps the data equal, with lists copied to their exact length', () => {
    const grown: number[] = [];
    for (let i = 0; i < 3; i++) grown.push(i);
    const data = {
      name: 'risk',
      list: grown,
      nested: { items: [{ raw: 'p95 < 200ms', loc: { line: 3, path: 'a.b' } }] },
      none: undefined,
      flag: false,
    };
    const copy = structuredClone(data);
    const out = compactData(data);
    expect(out).toBe(data);
    expect(out).toEqual(copy);
    expect(out.list).not.toBe(grown);
    expect(out.list).toEqual([0, 1, 2]);
  });

  it('leaves frozen parts as they are', () => {
    const shared = Object.freeze(['a', 'b']);
    const frozen = Object.freeze({ text: 'x', list: [1] });
    const data = { shared, frozen, own: [shared] };
    compactData(data);
    expect(data.own[0]).toBe(shared);
    expect(data.frozen).toBe(frozen);
    expect(frozen.list).toEqual([1]);
  });

  it('reads texts back as they were written', () => {
    const source = `${'x'.repeat(40)}: value`;
    expect(intern(source.slice(0, 20))).toBe('x'.repeat(20));
    expect(intern('short')).toBe('short');
  });
});

describe('parseEntityContract compact option', () => {
  it('gives the same contract compacted or not', () => {
    const refs = Object.keys(ESSAY_CONTRACTS);
    expect(refs.length).toBeGreaterThan(3);
    for (const ref of refs) {
      const compacted = parseEntityContract(ref, ESSAY_CONTRACTS[ref]);
      const plain = parseEntityContract(ref, ESSAY_CONTRACTS[ref], {
        compact: false,
      });
      expect(compacted).toEqual(plain);
    }
  });
});
