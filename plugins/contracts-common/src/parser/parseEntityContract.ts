/**
 * Parses the contract documents of one entity into its merged, normalized contract.
 */
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { ContractProblem, ContractSource, EntityContract } from '../types';
import { CONTRACT_PARSER_LIMITS, type ContractParserLimits } from './limits';
import { ContractMerger } from './merge';
import { type FieldLocations, normalizeDocument } from './normalize';
import { entityParts } from './refs';
import { structuralFaults } from './validate';
import {
  type LocatedDocument,
  type RawProblem,
  locateIn,
  readYamlSource,
} from './yamlSource';

/**
 * Options of {@link parseEntityContract}.
 * @public
 */
export interface ParseEntityContractOptions {
  limits?: ContractParserLimits;
}

/**
 * The result of {@link parseEntityContract}: the contract made of every valid value, and a
 * located problem for every other.
 * @public
 */
export interface ParsedEntityContract {
  contract: EntityContract;
  problems: ContractProblem[];
}

function emptyContract(entityRef: string): EntityContract {
  return {
    entityRef,
    dependsOn: [],
    operations: [],
    datasets: [],
    endpoints: [],
    dataDependencies: [],
    retryPolicies: [],
    idempotency: [],
    requires: [],
    sources: [],
  };
}

function byPosition(a: RawProblem, b: RawProblem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}

/**
 * Parses the YAML sources of one entity (inline annotation, files behind `contracts.io/ref`),
 * validates them against the schema and the value grammar, resolves the names they use like
 * entity refs (default kind `component`, the entity's namespace) and merges them.
 *
 * Never throws. Every problem is reported at once, with file, line, column and path; an invalid
 * value is left out of the contract, its valid siblings stay.
 *
 * @param entityRef - the full ref of the entity, e.g. `component:default/checkout`
 * @param sources - the YAML texts, each with the file name shown in problems
 * @public
 */
export function parseEntityContract(
  entityRef: string,
  sources: ContractSource[],
  options: ParseEntityContractOptions = {},
): ParsedEntityContract {
  const entity = typeof entityRef === 'string' ? entityRef : '';
  try {
    return parse(entity, sources, {
      ...CONTRACT_PARSER_LIMITS,
      ...options?.limits,
    });
  } catch (error) {
    return {
      contract: emptyContract(entity),
      problems: [
        {
          entity,
          path: '',
          message: `the contract could not be read: ${String(
            (error as Error)?.message ?? error,
          ).slice(0, 200)}`,
        },
      ],
    };
  }
}

function parse(
  entityRef: string,
  sources: ContractSource[],
  limits: typeof CONTRACT_PARSER_LIMITS,
): ParsedEntityContract {
  const contract = emptyContract(entityRef);
  const problems: ContractProblem[] = [];
  const parts = entityRef ? entityParts(entityRef) : undefined;
  if (!parts) {
    problems.push({
      entity: entityRef,
      path: '',
      message: `\`${entityRef}\` is not an entity ref such as \`component:default/checkout\``,
    });
  }
  if (!Array.isArray(sources)) {
    problems.push({
      entity: entityRef,
      path: '',
      message: 'the contract sources must be a list',
    });
    return { contract, problems };
  }
  const ownRef = parts ? stringifyEntityRef(parts) : entityRef;
  const fieldLocations: FieldLocations = new WeakMap();
  let sourceProblems: RawProblem[] = [];
  const merger = new ContractMerger(fieldLocations, (loc, message) =>
    sourceProblems.push({
      ...loc,
      path: loc.path,
      file: loc.file ?? '',
      message,
    }),
  );
  sources.forEach((source, index) => {
    sourceProblems = [];
    const file =
      source && typeof source.file === 'string' && source.file
        ? source.file
        : `source ${index + 1}`;
    if (!contract.sources.includes(file)) contract.sources.push(file);
    const read = readYamlSource(file, source?.text, limits);
    sourceProblems.push(...read.problems);
    for (const doc of read.documents) {
      const report = (pointer: string, message: string, atKey = false) => {
        sourceProblems.push({
          file,
          ...locateIn(doc, pointer, atKey),
          message,
        });
      };
      for (const fault of structuralFaults(doc.value))
        report(fault.pointer, fault.message, fault.atKey);
      merger.add(
        normalizeDocument({
          entityRef: ownRef,
          kind: parts?.kind ?? 'component',
          namespace: parts?.namespace ?? 'default',
          doc: doc as LocatedDocument,
          report,
          fieldLocations,
        }),
      );
    }
    problems.push(
      ...located(
        entityRef,
        sourceProblems.sort(byPosition),
        limits.maxProblemsPerSource,
      ),
    );
  });
  Object.assign(contract, merger.merged);
  return { contract, problems };
}

/** Attaches the entity, and keeps at most `max` problems of a source (then counts the rest). */
function located(
  entity: string,
  raw: RawProblem[],
  max: number,
): ContractProblem[] {
  const kept = raw.slice(0, max).map(problem => ({ entity, ...problem }));
  if (raw.length > max) {
    const last = raw[max];
    kept.push({
      entity,
      file: last.file,
      line: last.line,
      column: last.column,
      path: '',
      message: `${raw.length - max} more problems in this file are not shown`,
    });
  }
  return kept.map(problem => {
    const clean: ContractProblem = {
      entity,
      path: problem.path,
      message: problem.message,
    };
    if (problem.file) clean.file = problem.file;
    if (problem.line !== undefined) clean.line = problem.line;
    if (problem.column !== undefined) clean.column = problem.column;
    return clean;
  });
}
