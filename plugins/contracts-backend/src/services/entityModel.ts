import {
  type Entity,
  makeValidator,
  parseEntityRef,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  RELATION_PART_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  CONTRACTS_DISCOVERED_ANNOTATION,
  CONTRACTS_RESOLVED_ANNOTATION,
  type ContractProblem,
  type ContractSource,
  contractSourcesFromAnnotation,
  type EntitySummary,
  apiDefinitionSource,
  parseDiscoverReports,
  parseEntityContract,
  type ParsedEntityContract,
  resolvedContractsOf,
} from '@backstage-contracts/plugin-contracts-common';

function ref(
  value: unknown,
  defaultKind: string,
  defaultNamespace: string,
): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(value, { defaultKind, defaultNamespace }),
    );
  } catch {
    return undefined;
  }
}

function relationTargets(entity: Entity, type: string): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === type)
    .map(r => r.targetRef);
}

/** What the engine needs of a catalog entity. */
export function entityToSummary(entity: Entity): EntitySummary {
  const namespace = entity.metadata.namespace ?? 'default';
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const owner =
    relationTargets(entity, RELATION_OWNED_BY)[0] ??
    ref(spec.owner, 'group', namespace);
  const system =
    relationTargets(entity, RELATION_PART_OF).find(r =>
      r.startsWith('system:'),
    ) ?? ref(spec.system, 'system', namespace);
  const specList = (v: unknown, kind: string) =>
    (Array.isArray(v) ? v : [])
      .map(x => ref(x, kind, namespace))
      .filter((x): x is string => Boolean(x));
  const dependsOn = entity.relations
    ? relationTargets(entity, RELATION_DEPENDS_ON)
    : specList(spec.dependsOn, 'component');
  const dependencyOf = entity.relations
    ? relationTargets(entity, RELATION_DEPENDENCY_OF)
    : specList(spec.dependencyOf, 'component');
  const summary: EntitySummary = {
    ref: stringifyEntityRef(entity),
    kind: entity.kind.toLocaleLowerCase('en-US'),
    namespace,
    name: entity.metadata.name,
    dependsOn: [...new Set(dependsOn)].sort(),
    dependencyOf: [...new Set(dependencyOf)].sort(),
  };
  if (entity.metadata.title) summary.title = entity.metadata.title;
  if (owner) summary.owner = owner;
  if (system) summary.system = system;
  return summary;
}

/**
 * The contract texts of an entity: the inline `contracts.io/spec` and the texts the catalog
 * module resolved into `contracts.io/resolved`, with the discover reports it found (`reports`).
 * Undefined when the entity declares no contract and names no discover report.
 */
export function contractSourcesOf(entity: Entity):
  | {
      sources: ContractSource[];
      reports: ContractSource[];
      problems: ContractProblem[];
    }
  | undefined {
  const {
    inline,
    ref: location,
    discovered,
    problems,
  } = contractSourcesFromAnnotation(entity);
  const definition = apiDefinitionSource(entity);
  if (
    !inline &&
    location === undefined &&
    discovered === undefined &&
    problems.length === 0 &&
    !definition
  ) {
    return undefined;
  }
  const sources: ContractSource[] = inline ? [inline] : [];
  if (definition) sources.push(definition);
  const reports: ContractSource[] = [];
  if (location !== undefined || discovered !== undefined) {
    const resolved = resolvedContractsOf(entity);
    const entityRef = stringifyEntityRef(entity);
    if (!resolved) {
      problems.push({
        entity: entityRef,
        path: `metadata.annotations["${CONTRACTS_RESOLVED_ANNOTATION}"]`,
        message: `the contracts at \`${
          location ?? discovered
        }\` have not been resolved by the catalog (is the contracts catalog module installed?)`,
      });
    } else if (resolved.error !== undefined) {
      problems.push({
        entity: entityRef,
        path: `metadata.annotations["${CONTRACTS_RESOLVED_ANNOTATION}"]`,
        message: resolved.error,
      });
    } else {
      sources.push(...resolved.sources);
      reports.push(...resolved.discovered);
      for (const message of resolved.discoveredErrors) {
        problems.push({
          entity: entityRef,
          path: `metadata.annotations["${CONTRACTS_DISCOVERED_ANNOTATION}"]`,
          message,
        });
      }
    }
  }
  return { sources, reports, problems };
}

/**
 * The contract of an entity from its texts ({@link contractSourcesOf}): the documents parsed
 * and merged, the facts of its discover reports attached as `discovered` (rule
 * `contract-drift`). A broken report is a located problem and leaves the documents alone.
 */
export function parseContractOf(
  entityRef: string,
  texts: { sources: ContractSource[]; reports: ContractSource[] },
): ParsedEntityContract {
  const parsed = parseEntityContract(entityRef, texts.sources);
  if (!texts.reports.length) return parsed;
  const { facts, problems } = parseDiscoverReports(entityRef, texts.reports);
  if (facts.length) parsed.contract.discovered = facts;
  return {
    contract: parsed.contract,
    problems: [...parsed.problems, ...problems],
  };
}

const names = makeValidator();

/**
 * An entity ref in its full form (`kind:namespace/name`), or undefined when it is not a valid one:
 * it must parse, and its kind, namespace and name must be valid as the catalog defines them.
 */
export function validEntityRef(text: string): string | undefined {
  try {
    const { kind, namespace, name } = parseEntityRef(text);
    if (
      !names.isValidKind(kind) ||
      !names.isValidNamespace(namespace) ||
      !names.isValidEntityName(name)
    ) {
      return undefined;
    }
    return stringifyEntityRef({ kind, namespace, name });
  } catch {
    return undefined;
  }
}
