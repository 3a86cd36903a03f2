import type {
  LoggerService,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { type Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  type CatalogProcessor,
  type CatalogProcessorEmit,
  type LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  CONTRACTS_RESOLVED_ANNOTATION,
  type ContractProblem,
  type ContractSource,
  contractSourcesFromAnnotation,
  parseEntityContract,
} from '@backstage-contracts/plugin-contracts-common';
import {
  loadContractSources,
  loadDiscoverReport,
} from '@backstage-contracts/plugin-contracts-node';

function describeProblem(p: ContractProblem): string {
  let place = p.file ?? '';
  if (p.line !== undefined) place += `:${p.line}`;
  if (p.column !== undefined) place += `:${p.column}`;
  const where = [place, p.path].filter(Boolean).join(' ');
  return `Contract problem${where ? ` at ${where}` : ''}: ${p.message}`;
}

/**
 * Resolves `contracts.io/ref` relative to the entity's location, attaches the texts as
 * `contracts.io/resolved`, and reports contract problems as processing errors, so they show in
 * the catalog's error panel. The discover report (`contracts.io/discovered`, else the reports
 * in the `dir:` folder of the ref) is attached beside them as `discovered`, with what could
 * not be read of it as `discoveredErrors`: a processing error would keep the entity from the
 * catalog, so its problems are the contracts backend's to report (located, beside the rest of
 * the entity's contract). Never drops an entity.
 * @public
 */
export class ContractsProcessor implements CatalogProcessor {
  constructor(
    private readonly options: {
      reader: UrlReaderService;
      logger: LoggerService;
    },
  ) {}

  getProcessorName(): string {
    return 'ContractsProcessor';
  }

  async preProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const annotations = entity.metadata?.annotations;
    if (!annotations) return entity;
    const { inline, ref, discovered, problems } =
      contractSourcesFromAnnotation(entity);
    if (
      !inline &&
      ref === undefined &&
      discovered === undefined &&
      problems.length === 0
    )
      return entity;

    let entityRef: string;
    try {
      entityRef = stringifyEntityRef(entity);
    } catch {
      return entity;
    }
    const sources: ContractSource[] = inline ? [inline] : [];
    let resolved: ContractSource[] | undefined;
    let reports: ContractSource[] = [];
    let reportErrors: string[] = [];
    if (ref !== undefined) {
      const loaded = await loadContractSources({
        ref,
        location,
        reader: this.options.reader,
      });
      for (const error of loaded.errors) {
        emit(processingResult.generalError(location, error));
      }
      resolved = loaded.sources;
      reports = loaded.reports;
      sources.push(...loaded.sources);
    }
    if (discovered !== undefined) {
      // the report the annotation names, instead of those beside the contracts
      const loaded = await loadDiscoverReport({
        ref: discovered,
        location,
        reader: this.options.reader,
      });
      reports = loaded.reports;
      reportErrors = loaded.errors;
      for (const error of reportErrors) {
        this.options.logger.warn(`${entityRef}: ${error}`, { entityRef });
      }
    }
    const parsed = parseEntityContract(entityRef, sources);
    for (const p of [...problems, ...parsed.problems]) {
      emit(processingResult.inputError(location, describeProblem(p)));
    }
    if (!resolved && discovered === undefined) return entity;
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: {
          ...annotations,
          [CONTRACTS_RESOLVED_ANNOTATION]: JSON.stringify({
            sources: resolved ?? [],
            ...(reports.length ? { discovered: reports } : {}),
            ...(reportErrors.length ? { discoveredErrors: reportErrors } : {}),
          }),
        },
      },
    };
  }
}
