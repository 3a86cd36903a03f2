/*
 * Promises read from the standards teams already write: detected by a document's header, mapped
 * into the contract model with every value marked `imported` (format, file, line). Pure: no Node.
 */
import type { ContractSections } from '../parser/normalize';
import type { Entity } from '@backstage/catalog-model';
import type { ContractSource, ImportFormat } from '../types';
import { type ImportContext, isDict } from './context';
import { importDataContract } from './datacontract';
import { importOdcs } from './odcs';
import { importOpenApi } from './openapi';
import { importOpenSlo } from './openslo';
import { importPyrra } from './pyrra';

export type { ImportContext } from './context';
export { OPERATION_ANNOTATION, UNIT_ANNOTATION } from './metrics';

/**
 * The standard a document is written in, by its header; undefined for our own contract format.
 * `kind: DataContract` (ODCS), `dataContractSpecification` (datacontract.com), `apiVersion:
 * pyrra.dev/…` with `kind: ServiceLevelObjective` (Pyrra), `apiVersion: openslo/…` (OpenSLO),
 * `openapi` or `swagger` (OpenAPI).
 * @public
 */
export function detectImportFormat(value: unknown): ImportFormat | undefined {
  if (!isDict(value)) return undefined;
  const apiVersion =
    typeof value.apiVersion === 'string' ? value.apiVersion : '';
  if (value.kind === 'DataContract' && value.apiVersion !== undefined)
    return 'odcs';
  if (value.dataContractSpecification !== undefined) return 'datacontract';
  if (
    apiVersion.startsWith('pyrra.dev/') &&
    value.kind === 'ServiceLevelObjective'
  )
    return 'pyrra';
  if (apiVersion.startsWith('openslo/')) return 'openslo';
  if (value.openapi !== undefined || value.swagger !== undefined)
    return 'openapi';
  return undefined;
}

/** The names the formats are shown by. @public */
export const IMPORT_FORMAT_NAMES: Record<ImportFormat, string> = {
  odcs: 'ODCS',
  datacontract: 'datacontract.com',
  pyrra: 'Pyrra SLO',
  openslo: 'OpenSLO',
  openapi: 'OpenAPI',
};

const IMPORTERS: Record<
  ImportFormat,
  (ctx: ImportContext) => ContractSections
> = {
  odcs: importOdcs,
  datacontract: importDataContract,
  pyrra: importPyrra,
  openslo: importOpenSlo,
  openapi: importOpenApi,
};

/** Reads one document of a standard format into contract sections, reporting what it cannot read. */
export function importDocument(
  format: ImportFormat,
  ctx: ImportContext,
): ContractSections {
  return IMPORTERS[format](ctx);
}

/**
 * Where an API entity's definition is shown in problems and imported marks.
 * @public
 */
export const API_DEFINITION_FILE = 'spec.definition';

/**
 * The OpenAPI definition of an API entity (`spec.type: openapi`, `spec.definition` as a text,
 * as the catalog resolves it), as a contract source whose operations and Idempotency-Key
 * headers are imported promises, and its gateway timeouts and retries imported calls to the
 * API's provider (the `apiProvidedBy` relation, else `provider`); undefined for other entities and API types. The backend and
 * the CLI read API entities through it.
 * @public
 */
export function apiDefinitionSource(
  entity: Entity,
  provider?: string,
): ContractSource | undefined {
  if (entity?.kind?.toLocaleLowerCase('en-US') !== 'api') return undefined;
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  if (spec.type !== 'openapi' || typeof spec.definition !== 'string') {
    return undefined;
  }
  const source: ContractSource = {
    file: API_DEFINITION_FILE,
    text: spec.definition,
    format: 'openapi',
  };
  // The gateway's calls go to the component providing the API: the catalog's relation, else
  // the caller's (the CLI reads files without relations: from Components' `providesApis`).
  const related = (entity.relations ?? [])
    .filter(r => r.type === 'apiProvidedBy')
    .map(r => r.targetRef)
    .sort()[0];
  if (related ?? provider) source.provider = related ?? provider;
  return source;
}
