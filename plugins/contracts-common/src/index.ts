/**
 * Contract language, rule engine and report formats of Backstage Contracts.
 * Isomorphic: imports neither Node nor React.
 *
 * @packageDocumentation
 */

export * from './types';
export * from './annotations';
export * from './parser';
export {
  API_DEFINITION_FILE,
  apiDefinitionSource,
  detectImportFormat,
  IMPORT_FORMAT_NAMES,
  OPERATION_ANNOTATION,
  UNIT_ANNOTATION,
} from './imports';
export * from './engine';
export * from './report';
export * from './permissions';
export * from './history';
export * from './runtime';
