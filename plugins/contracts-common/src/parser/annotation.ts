/**
 * Reads the contracts annotations of an entity.
 */
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CONTRACTS_DISCOVERED_ANNOTATION,
  CONTRACTS_REF_ANNOTATION,
  CONTRACTS_RESOLVED_ANNOTATION,
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
 * the location of the discover report (`contracts.io/discovered`, a plain path made a `file:`
 * location), and the problems of the annotations themselves (not a string, empty, not a
 * location).
 * @public
 */
export function contractSourcesFromAnnotation(entity: Entity): {
  inline?: ContractSource;
  ref?: string;
  discovered?: string;
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
  let discovered = read(CONTRACTS_DISCOVERED_ANNOTATION)?.trim();
  if (discovered !== undefined && !LOCATION_REF.test(discovered))
    discovered = `file:${discovered}`;
  return {
    ...(discovered !== undefined ? { discovered } : {}),
    inline:
      spec === undefined
        ? undefined
        : { file: INLINE_CONTRACT_FILE, text: spec },
    ref: isLocation ? ref : undefined,
    problems,
  };
}

/**
 * What the catalog module resolved for an entity (annotation `contracts.io/resolved`): the
 * contract texts behind `contracts.io/ref`, the discover reports (`discovered`) and why the
 * report `contracts.io/discovered` names could not be read (`discoveredErrors`). Undefined when
 * the annotation is absent; `error` when it is not `{"sources":[{"file","text"}]}`.
 * @public
 */
export function resolvedContractsOf(entity: Entity):
  | {
      sources: ContractSource[];
      discovered: ContractSource[];
      discoveredErrors: string[];
      error?: never;
    }
  | { error: string }
  | undefined {
  const raw: unknown = (entity as Partial<Entity> | undefined)?.metadata
    ?.annotations?.[CONTRACTS_RESOLVED_ANNOTATION];
  if (raw === undefined) return undefined;
  const error = `the annotation \`${CONTRACTS_RESOLVED_ANNOTATION}\` is not {"sources":[{"file","text"}]}`;
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : undefined;
  } catch {
    return { error };
  }
  const texts = (list: unknown): ContractSource[] | undefined => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) return undefined;
    const out: ContractSource[] = [];
    for (const s of list) {
      if (typeof s?.file !== 'string' || typeof s?.text !== 'string')
        return undefined;
      out.push({ file: s.file, text: s.text });
    }
    return out;
  };
  if (typeof parsed !== 'object' || parsed === null) return { error };
  const { sources, discovered, discoveredErrors } = parsed as Record<
    string,
    unknown
  >;
  const read = { sources: texts(sources), discovered: texts(discovered) };
  if (!read.sources || !read.discovered) return { error };
  return {
    sources: read.sources,
    discovered: read.discovered,
    discoveredErrors: Array.isArray(discoveredErrors)
      ? discoveredErrors.filter((e): e is string => typeof e === 'string')
      : [],
  };
}
