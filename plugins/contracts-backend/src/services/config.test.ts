import { ConfigReader } from '@backstage/config';
import { readContractsSettings } from './config';

const read = (contracts: object) =>
  readContractsSettings(new ConfigReader({ contracts }));

describe('readContractsSettings', () => {
  it('takes decider groups as entity refs, in their full form', () => {
    expect(
      read({ deciders: { 'access-policy': ['group:security-team'] } }).engine
        .deciders,
    ).toEqual({ 'access-policy': ['group:default/security-team'] });
  });

  it('refuses a decider that is not an entity ref, naming it', () => {
    for (const bad of ['group:default/', 'security-team', 'group:a/b/c:d']) {
      expect(() =>
        read({
          deciders: { 'access-policy': ['group:default/product-team', bad] },
        }),
      ).toThrow(`contracts.deciders.access-policy[1] must be an entity ref`);
    }
  });

  it('bounds decisions by default, and takes whole numbers above 0', () => {
    expect(read({}).decisions).toEqual({
      maxPerFinding: 100,
      writesPerWindow: 30,
      windowMs: 60_000,
      syncIntervalMs: 1000,
      concurrentWrites: 2,
      writeQueue: 32,
    });
    expect(
      read({ decisions: { concurrentWrites: 4, writeQueue: 0 } }).decisions,
    ).toMatchObject({ concurrentWrites: 4, writeQueue: 0 });
    expect(() => read({ decisions: { concurrentWrites: 0 } })).toThrow(
      /concurrentWrites must be a whole number above 0/,
    );
    expect(() => read({ decisions: { writeQueue: -1 } })).toThrow(
      /writeQueue must be a whole number of 0 or more/,
    );
    expect(
      read({ decisions: { maxPerFinding: 5 } }).decisions.maxPerFinding,
    ).toBe(5);
    expect(() => read({ decisions: { writesPerMinute: 0 } })).toThrow(
      /writesPerMinute must be a whole number above 0/,
    );
    expect(() => read({ decisions: { maxPerFinding: 1.5 } })).toThrow(
      /maxPerFinding/,
    );
  });

  it("keeps a caller's permission answers 5 s by default, 0 to 60 s as configured", () => {
    expect(read({}).visibilityCacheMs).toBe(5000);
    expect(
      read({ permissions: { visibilityCacheSeconds: 0 } }).visibilityCacheMs,
    ).toBe(0);
    expect(
      read({ permissions: { visibilityCacheSeconds: 1.5 } }).visibilityCacheMs,
    ).toBe(1500);
    for (const bad of [-1, 61]) {
      expect(() =>
        read({ permissions: { visibilityCacheSeconds: bad } }),
      ).toThrow(/visibilityCacheSeconds must be between 0 and 60/);
    }
  });
});
