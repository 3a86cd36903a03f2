/**
 * The contract language: YAML documents → the normalized contract of an entity, with located
 * problems; the value grammar; the JSON Schema of the document.
 */
export { parseEntityContract } from './parseEntityContract';
export {
  catalogEntityFault,
  CONTRACT_KINDS,
  unreadContractAnnotation,
} from './entity';
export type {
  ParseEntityContractOptions,
  ParsedEntityContract,
} from './parseEntityContract';
export {
  contractSourcesFromAnnotation,
  INLINE_CONTRACT_FILE,
  resolvedContractsOf,
} from './annotation';
export {
  DISCOVER_REPORT_FILE,
  DISCOVER_REPORT_KIND,
  DISCOVER_REPORT_VERSION,
  isDiscoverReport,
  parseDiscoverReports,
} from './discoverReport';
export type {
  DiscoverReport,
  DiscoverReportHeader,
} from './discoverReport';
export { contractDocumentSchema } from './schema';
export {
  formatDuration,
  parseDuration,
  parseDurationText,
  parseFreshness,
  parseFreshnessParts,
  parseFreshnessRequired,
  parseLatencyBounds,
  parsePercentile,
  parsePercentileLatencies,
  parseAvailability,
  parseRetry,
  parseRetryTarget,
} from './grammar';
export type {
  GrammarResult,
  ParsedLatencyBound,
  ParsedPercentileLatencies,
} from './grammar';
export { resolveContractRef } from './refs';
export { levenshtein, nearest, unknownKeyMessage } from './suggest';
export { CONTRACT_PARSER_LIMITS } from './limits';
export type { ContractParserLimits } from './limits';
