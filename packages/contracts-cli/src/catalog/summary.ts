/*
 * What the engine needs to know of an entity besides its contract.
 */
import {
  type Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { EntitySummary } from '@backstage-contracts/plugin-contracts-common';

/** The full ref of an entity; namespace `default` when absent. */
export function entityRefOf(entity: Entity): string {
  return stringifyEntityRef({
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? 'default',
    name: entity.metadata.name,
  });
}

/** Refs already resolved, by default kind, default namespace and value: they repeat a lot. */
const resolvedRefs = new Map<string, string | undefined>();
const MAX_RESOLVED_REFS = 100_000;

function toRef(
  value: unknown,
  defaultKind: string,
  defaultNamespace: string,
): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const key = `${defaultKind}\u0000${defaultNamespace}\u0000${value}`;
  if (resolvedRefs.has(key)) return resolvedRefs.get(key);
  let ref: string | undefined;
  try {
    ref = stringifyEntityRef(
      parseEntityRef(value.trim(), { defaultKind, defaultNamespace }),
    );
  } catch {
    ref = undefined;
  }
  if (resolvedRefs.size >= MAX_RESOLVED_REFS) resolvedRefs.clear();
  resolvedRefs.set(key, ref);
  return ref;
}

function refs(
  values: unknown,
  defaultKind: string,
  defaultNamespace: string,
): string[] {
  if (!Array.isArray(values)) return [];
  return values
    .map(v => toRef(v, defaultKind, defaultNamespace))
    .filter((v): v is string => v !== undefined);
}

/** The APIs a Component provides (`spec.providesApis`, default kind api), as entity refs. */
export function providedApis(entity: Entity): string[] {
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  return refs(spec.providesApis, 'api', entity.metadata.namespace ?? 'default');
}

/**
 * Owner (`spec.owner`, default kind group), system (`spec.system`), `spec.dependsOn`,
 * `spec.dependencyOf` and, from a live catalog, the `dependsOn` / `dependencyOf` relations.
 */
export function summarize(
  entity: Entity,
  ref = entityRefOf(entity),
): EntitySummary {
  const namespace = entity.metadata.namespace ?? 'default';
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const dependsOn = new Set(refs(spec.dependsOn, 'component', namespace));
  const dependencyOf = new Set(refs(spec.dependencyOf, 'component', namespace));
  for (const r of entity.relations ?? []) {
    if (r.type === 'dependsOn') dependsOn.add(r.targetRef);
    if (r.type === 'dependencyOf') dependencyOf.add(r.targetRef);
  }
  const title = entity.metadata.title;
  return {
    ref,
    kind: entity.kind,
    namespace,
    name: entity.metadata.name,
    ...(typeof title === 'string' ? { title } : {}),
    owner: toRef(spec.owner, 'group', namespace),
    system: toRef(spec.system, 'system', namespace),
    dependsOn: [...dependsOn].sort(),
    dependencyOf: [...dependencyOf].sort(),
  };
}
