import type { Entity } from '@backstage/catalog-model';
import {
  contractSourcesFromAnnotation,
  INLINE_CONTRACT_FILE,
} from './annotation';
import { parseEntityContract } from './parseEntityContract';

function entity(annotations: unknown): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'checkout',
      annotations: annotations as Record<string, string>,
    },
  };
}

describe('contractSourcesFromAnnotation', () => {
  it('reads the inline document and the ref', () => {
    const spec =
      'depends_on:\n  - service: risk\n    latency_budget: { acceptable: p95 < 200ms }\n';
    const result = contractSourcesFromAnnotation(
      entity({
        'contracts.io/spec': spec,
        'contracts.io/ref': ' dir:./contracts ',
      }),
    );
    expect(result).toEqual({
      inline: { file: INLINE_CONTRACT_FILE, text: spec },
      ref: 'dir:./contracts',
      problems: [],
    });
    expect(INLINE_CONTRACT_FILE).toBe('annotation:contracts.io/spec');
    const parsed = parseEntityContract('component:default/checkout', [
      result.inline!,
    ]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.contract.dependsOn[0].loc).toEqual({
      file: 'annotation:contracts.io/spec',
      line: 2,
      column: 5,
      path: 'depends_on[0]',
    });
  });

  it('gives nothing for an entity without the annotations', () => {
    expect(contractSourcesFromAnnotation(entity(undefined))).toEqual({
      problems: [],
    });
    expect(contractSourcesFromAnnotation(entity({ other: 'x' }))).toEqual({
      problems: [],
    });
  });

  it.each([
    [1, 'a whole number'],
    [{ depends_on: [] }, 'a mapping'],
    [['a'], 'a list'],
    [true, '`true`'],
  ])('reports an inline annotation that is not a string: %j', (value, got) => {
    const result = contractSourcesFromAnnotation(
      entity({ 'contracts.io/spec': value }),
    );
    expect(result.inline).toBeUndefined();
    expect(result.problems).toEqual([
      {
        entity: 'component:default/checkout',
        path: 'metadata.annotations["contracts.io/spec"]',
        message: `the annotation \`contracts.io/spec\` must be a string, got ${got}`,
      },
    ]);
  });

  it('reports a ref that is not a string, empty, or not a location', () => {
    expect(
      contractSourcesFromAnnotation(entity({ 'contracts.io/ref': 5 }))
        .problems[0].message,
    ).toMatch(/must be a string, got a whole number/);
    expect(
      contractSourcesFromAnnotation(entity({ 'contracts.io/ref': '  ' }))
        .problems[0].message,
    ).toMatch(/is empty/);
    const notALocation = contractSourcesFromAnnotation(
      entity({ 'contracts.io/ref': './contracts' }),
    );
    expect(notALocation.ref).toBeUndefined();
    expect(notALocation.problems[0].message).toMatch(
      /must be a location such as `dir:.\/contracts`/,
    );
  });

  it('never throws on a malformed entity', () => {
    expect(contractSourcesFromAnnotation({} as Entity)).toEqual({
      problems: [],
    });
    expect(
      contractSourcesFromAnnotation(undefined as unknown as Entity),
    ).toEqual({ problems: [] });
    const problems = contractSourcesFromAnnotation({
      metadata: { annotations: { 'contracts.io/spec': 3 } },
    } as unknown as Entity).problems;
    expect(problems[0].entity).toBe('unknown');
  });
});
