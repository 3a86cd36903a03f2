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
import { readYamlFast } from './fastYaml';
import { compactData } from './compact';
import {
  IMPORT_FORMAT_NAMES,
  detectImportFormat,
  importDocument,
} from '../imports';
import {
  type RawProblem,
  type ReadSource,
  locateIn,
  readYamlSource,
} from './yamlSource';

type Limits = typeof CONTRACT_PARSER_LIMITS;

/** Reads one source; undefined declines it (the fast path does for anything unusual). */
type SourceReader = (
  file: string,
  text: unknown,
  limits: Limits,
) => ReadSource | undefined;

/** The fast path: plain YAML only, and never a problem (see `fastYaml.ts`). */
const readFast: SourceReader = (file, text, limits) => {
  const doc = readYamlFast(file, text, limits);
  return doc && { documents: [doc], problems: [] };
};

/**
 * Options of {@link parseEntityContract}.
 * @public
 */
export interface ParseEntityContractOptions {
  limits?: ContractParserLimits;
  /**
   * Compact the contract for keeping (default true): lists copied to their exact length, texts
   * shared between contracts and no longer slices of the source. Half the memory per contract,
   * for ≈ 10 % more parse time; a one-shot run that drops its contracts soon can skip it.
   */
  compact?: boolean;
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
    const limits = { ...CONTRACT_PARSER_LIMITS, ...options?.limits };
    // Most contracts are plain and valid: read them on the fast path. Anything it declines, and
    // any problem at all, takes the full path, which locates every problem.
    let fast: ParsedEntityContract | undefined;
    try {
      fast = parse(entity, sources, limits, readFast);
    } catch {
      fast = undefined; // whatever went wrong, the full path reads it and says what
    }
    const parsed =
      fast && !fast.problems.length
        ? fast
        : parse(entity, sources, limits, readYamlSource)!;
    if (options?.compact !== false) compactData(parsed.contract);
    return parsed;
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

/**
 * One path of {@link parseEntityContract}, for tests that compare them: `fast` gives undefined
 * when the fast path declines a source or finds a problem.
 */
export function parseEntityContractOnPath(
  path: 'fast' | 'full',
  entityRef: string,
  sources: ContractSource[],
  options: ParseEntityContractOptions = {},
): ParsedEntityContract | undefined {
  const limits = { ...CONTRACT_PARSER_LIMITS, ...options?.limits };
  if (path === 'full') return parse(entityRef, sources, limits, readYamlSource);
  const fast = parse(entityRef, sources, limits, readFast);
  return fast && !fast.problems.length ? fast : undefined;
}

function parse(
  entityRef: string,
  sources: ContractSource[],
  limits: Limits,
  readSource: SourceReader,
): ParsedEntityContract | undefined {
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
  // only the full path reports problems, and so needs to know where each field was written
  const fieldLocations: FieldLocations =
    readSource === readFast ? undefined : new Map();
  const sourceProblems: RawProblem[] = [];
  const merger = new ContractMerger(fieldLocations, (loc, message) =>
    sourceProblems.push({
      ...loc,
      path: loc.path,
      file: loc.file ?? '',
      message,
    }),
  );
  for (let index = 0; index < sources.length; index++) {
    if (!(index in sources)) continue; // a hole in the list, as forEach skips it
    const source = sources[index];
    sourceProblems.length = 0;
    const file =
      source && typeof source.file === 'string' && source.file
        ? source.file
        : `source ${index + 1}`;
    if (!contract.sources.includes(file)) contract.sources.push(file);
    const read = readSource(file, source?.text, limits);
    if (!read) return undefined;
    sourceProblems.push(...read.problems);
    for (const doc of read.documents) {
      const report = (pointer: string, message: string, atKey = false) => {
        sourceProblems.push({
          file,
          ...locateIn(doc, pointer, atKey),
          message,
        });
      };
      const format = detectImportFormat(doc.value);
      if (source.format && format !== source.format) {
        report(
          '',
          `expected ${IMPORT_FORMAT_NAMES[source.format]} here${
            format ? `, got ${IMPORT_FORMAT_NAMES[format]}` : ''
          }`,
        );
        continue;
      }
      if (format) {
        // A standard teams already write (ODCS, SLOs, OpenAPI): its promises, marked imported.
        merger.add(
          importDocument(format, {
            entityRef: ownRef,
            namespace: parts?.namespace ?? 'default',
            doc,
            report,
            provider: source.provider,
          }),
        );
        continue;
      }
      for (const fault of structuralFaults(doc.value))
        report(fault.pointer, fault.message, fault.atKey);
      merger.add(
        normalizeDocument({
          entityRef: ownRef,
          kind: parts?.kind ?? 'component',
          namespace: parts?.namespace ?? 'default',
          doc,
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
  }
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
