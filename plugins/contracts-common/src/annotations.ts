import type { Entity } from '@backstage/catalog-model';

/**
 * Annotation pointing at the contract files of an entity, e.g. `dir:./contracts` or
 * `file:./contracts/sla.yaml`, relative to the file that declares the entity.
 * @public
 */
export const CONTRACTS_REF_ANNOTATION = 'contracts.io/ref';

/**
 * Annotation holding an inline contract document (YAML).
 * @public
 */
export const CONTRACTS_SPEC_ANNOTATION = 'contracts.io/spec';

/**
 * True when the entity declares a contract through one of the contracts annotations.
 * @public
 */
export function isContractsAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[CONTRACTS_REF_ANNOTATION] ||
      annotations[CONTRACTS_SPEC_ANNOTATION],
  );
}
