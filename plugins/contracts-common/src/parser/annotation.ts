/**
 * Reads the contracts annotations of an entity.
 */
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CONTRACTS_REF_ANNOTATION,
  CONTRACTS_SPEC_ANNOTATION,
} from '../annotations';
import type { ContractProblem, ContractSource } from '../types';
import { describeType } from './yamlSource';

/** `dir:./contracts`, `file:./sla.yaml`, `url:https://…`: a Backstage location ref. */
const LOCATION_REF = /^[a-z][a-z0-9+.-]*:\S/i;

/**
 * The file name given to an inline contract in problems.
 * @public
 */
export const INLINE_CONTRACT_FILE = `annotation:${CONTRACTS_SPEC_ANNOTATION}`;

/**
 * What the contracts annotations of an entity say: the inline document (`contracts.io/spec`)
 * as a source, the location of the contract files (`contracts.io/ref`, e.g. `dir:./contracts`),
 * and the problems of the annotations themselves (not a string, empty, not a location).
 * @public
 */
export function contractSourcesFromAnnotation(entity: Entity): {
  inline?: ContractSource;
  ref?: string;
  problems: ContractProblem[];
} {
  const problems: ContractProblem[] = [];
  let entityRef = 'unknown';
  try {
    entityRef = stringifyEntityRef(entity);
  } catch {
    // an entity without kind or name: its problems still say which annotation is wrong
  }
  const annotations: unknown = (entity as Partial<Entity> | undefined)?.metadata
    ?.annotations;
  if (typeof annotations !== 'object' || annotations === null)
    return { problems };
  const read = (key: string): string | undefined => {
    const value = (annotations as Record<string, unknown>)[key];
    if (value === undefined) return undefined;
    const path = `metadata.annotations["${key}"]`;
    if (typeof value !== 'string') {
      problems.push({
        entity: entityRef,
        path,
        message: `the annotation \`${key}\` must be a string, got ${describeType(
          value,
        )}`,
      });
      return undefined;
    }
    if (!value.trim()) {
      problems.push({
        entity: entityRef,
        path,
        message: `the annotation \`${key}\` is empty`,
      });
      return undefined;
    }
    return value;
  };
  const spec = read(CONTRACTS_SPEC_ANNOTATION);
  const ref = read(CONTRACTS_REF_ANNOTATION)?.trim();
  const isLocation = ref !== undefined && LOCATION_REF.test(ref);
  if (ref !== undefined && !isLocation) {
    problems.push({
      entity: entityRef,
      path: `metadata.annotations["${CONTRACTS_REF_ANNOTATION}"]`,
      message: `the annotation \`${CONTRACTS_REF_ANNOTATION}\` must be a location such as \`dir:./contracts\` or \`file:./contracts/sla.yaml\`, got \`${ref.slice(
        0,
        60,
      )}\``,
    });
  }
  return {
    inline:
      spec === undefined
        ? undefined
        : { file: INLINE_CONTRACT_FILE, text: spec },
    ref: isLocation ? ref : undefined,
    problems,
  };
}
