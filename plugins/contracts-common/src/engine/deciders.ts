/*
 * The deciders a configuration names, checked against the catalog.
 */
import type { ContractProblem } from '../types';
import type { EngineConfig } from './types';

/**
 * The decider groups configured per rule (`deciders` of {@link EngineConfig}) that are not in
 * the catalog, one problem each: nobody can sign for such a group, so the trade-offs of its
 * rule could never be accepted. Reported as problems (a mistake to fix in the configuration,
 * located at `deciders.<rule>[i]` in `file`), not as findings between two entities.
 *
 * Call it only with a catalog that holds the organization (its groups and users): a check of a
 * few catalog files without them cannot tell.
 *
 * @param isInCatalog - whether the catalog holds the entity with this ref
 * @param file - the configuration file the deciders were read from, shown in the problems
 * @public
 */
export function unknownDeciders(
  config: EngineConfig | undefined,
  isInCatalog: (ref: string) => boolean,
  file?: string,
): ContractProblem[] {
  const problems: ContractProblem[] = [];
  for (const [rule, refs] of Object.entries(config?.deciders ?? {})) {
    refs.forEach((ref, index) => {
      if (isInCatalog(ref)) return;
      const problem: ContractProblem = {
        entity: ref,
        path: `deciders.${rule}[${index}]`,
        message: `the decider \`${ref}\` configured for \`${rule}\` is not in the catalog: nobody can sign for it, so no ${rule} trade-off can be accepted (a typo, or a group renamed or removed?)`,
      };
      if (file) problem.file = file;
      problems.push(problem);
    });
  }
  return problems;
}
