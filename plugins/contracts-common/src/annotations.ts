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
 * Annotation naming the report `contracts discover --format json` wrote for the entity and its
 * CI committed, e.g. `file:./build/discovered.json` or `url:https://…` (a plain path is a
 * `file:`), relative to the file that declares the entity. Without it, the reports in the
 * folder of `contracts.io/ref: dir:…` are read: `discovered.json`, or any JSON file whose
 * header says `"kind": "contracts-discover-report"`. Their facts are the entity's
 * `discovered` facts (rule `contract-drift`).
 * @public
 */
export const CONTRACTS_DISCOVERED_ANNOTATION = 'contracts.io/discovered';

/**
 * Annotation set by the catalog module: the contract texts behind `contracts.io/ref`, resolved at
 * ingestion, as a JSON string `{"sources":[{"file":"contracts/sla.yaml","text":"…"}]}` (paths
 * relative to the entity's file), with the discover reports found beside them or named by
 * `contracts.io/discovered` as `"discovered":[{"file":"contracts/discovered.json","text":"…"}]`.
 * Readers need no file access.
 * @public
 */
export const CONTRACTS_RESOLVED_ANNOTATION = 'contracts.io/resolved';

/**
 * True when the entity declares a contract through one of the contracts annotations.
 * @public
 */
export function isContractsAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Boolean(
    annotations[CONTRACTS_REF_ANNOTATION] ||
      annotations[CONTRACTS_SPEC_ANNOTATION] ||
      annotations[CONTRACTS_DISCOVERED_ANNOTATION],
  );
}
