import fc from 'fast-check';
import { lower, sameRef } from './refs';

// Characters whose lower case differs from a one-to-one ASCII fold: `İ` lower-cases to two
// characters, the final sigma depends on its neighbours, `ẞ` and `ß` are one letter.
const tricky = ['a', 'A', 'z', 'Z', '-', '/', ':', '0', 'İ', 'i', 'ı', 'I'];
const more = ['Σ', 'σ', 'ς', 'ß', 'ẞ', 'é', 'É', '\u0307', ' '];
const text = fc
  .array(fc.constantFrom(...tricky, ...more), { maxLength: 6 })
  .map(cs => cs.join(''));

describe('sameRef', () => {
  it('answers as toLowerCase does', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(sameRef(a, b)).toBe(a.toLowerCase() === b.toLowerCase());
      }),
      { numRuns: 5000 },
    );
    // one string a case variant of the other, where the answer is mostly yes
    fc.assert(
      fc.property(text, fc.array(fc.boolean()), (a, flips) => {
        const b = [...a]
          .map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase()))
          .join('');
        expect(sameRef(a, b)).toBe(a.toLowerCase() === b.toLowerCase());
      }),
      { numRuns: 5000 },
    );
  });

  it('compares refs ignoring ASCII case', () => {
    expect(
      sameRef('Component:default/Orders', 'component:default/orders'),
    ).toBe(true);
    expect(
      sameRef('component:default/orders', 'component:default/order5'),
    ).toBe(false);
    expect(lower('Component:X')).toBe('component:x');
  });
});
