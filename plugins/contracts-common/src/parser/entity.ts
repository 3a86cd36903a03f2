/*
 * Entities as the catalog accepts them: what a reader of catalog files (the CLI) checks before
 * analysing an entity, so that an entity Backstage would reject is a located problem instead of
 * an analysed `component:default/invalid component`.
 */
import {
  DefaultNamespaceEntityPolicy,
  type Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
} from '@backstage/catalog-model';
import {
  CONTRACTS_REF_ANNOTATION,
  CONTRACTS_SPEC_ANNOTATION,
} from '../annotations';

/**
 * The kinds whose contracts are read (the catalog module, the backend and the CLI): a contract
 * annotation on any other kind is reported, not silently dropped.
 * @public
 */
export const CONTRACT_KINDS: readonly string[] = [
  'component',
  'resource',
  'api',
  'system',
];

/** The catalog's own entity policies, in the order its processing applies them. */
const POLICY = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

/** The field a catalog-model message names first (`"metadata.name" is not valid; …`). */
function fieldOf(message: string): string {
  return (
    /^"([^"]+)"/.exec(message)?.[1] ??
    /^([\w.]+) must have a value/.exec(message)?.[1] ??
    /^<root>|^\/?([\w/]+) /.exec(message)?.[1]?.replace(/\//g, '.') ??
    ''
  );
}

/**
 * Why the catalog would reject an entity, checked with the catalog's own entity policies
 * (`FieldFormatEntityPolicy`, `SchemaValidEntityPolicy`, `NoForeignRootFieldsEntityPolicy`): the
 * fields every entity has, its name, namespace, kind, labels and annotations, which entity refs
 * are made of. The kinds' own `spec` schemas (a Component's `lifecycle`…) are the catalog's
 * business and are not checked here: the contracts do not depend on them. Undefined when the
 * policies accept the entity.
 * @returns the field at fault (e.g. `metadata.name`) and the catalog's message
 * @public
 */
export async function catalogEntityFault(
  entity: Entity,
): Promise<{ path: string; message: string } | undefined> {
  try {
    await POLICY.enforce(entity);
    return undefined;
  } catch (error) {
    const message = String((error as Error)?.message ?? error)
      .replace(/ To learn more about catalog file format, visit: \S+$/, '')
      .trim();
    return { path: fieldOf(message), message };
  }
}

/**
 * A contract annotation on an entity whose kind carries no contract (`Domain`, `Location`,
 * `Group`…): the annotation's key, else undefined.
 * @public
 */
export function unreadContractAnnotation(entity: Entity): string | undefined {
  if (CONTRACT_KINDS.includes(String(entity.kind).toLocaleLowerCase('en-US')))
    return undefined;
  const annotations = entity.metadata?.annotations ?? {};
  return [CONTRACTS_REF_ANNOTATION, CONTRACTS_SPEC_ANNOTATION].find(
    key => annotations[key] !== undefined,
  );
}
