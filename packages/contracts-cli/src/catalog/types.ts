import type { Entity } from '@backstage/catalog-model';
import type {
  ContractProblem,
  ContractSource,
} from '@backstage-contracts/plugin-contracts-common';

/** An entity read from a catalog file or a live catalog, with its contract texts. */
export interface CatalogEntry {
  /** Full entity ref, e.g. `component:default/checkout`. */
  ref: string;
  entity: Entity;
  /** Where it was read from. */
  origin: 'file' | 'catalog';
  /** Absolute path of the file that defines the entity (file origin). */
  file?: string;
  /** 1-based line of the entity's document in that file. */
  line?: number;
  /** The contract texts (inline annotation, files behind `contracts.io/ref`). */
  sources: ContractSource[];
  /**
   * The committed `contracts discover` reports (`contracts.io/discovered`, else those in the
   * `dir:` folder of `contracts.io/ref`): their facts are the entity's `discovered` facts.
   */
  reports?: ContractSource[];
  /** Absolute path of each contract source, by its `file` name (`contracts/sla.yaml`). */
  sourcePaths: Map<string, string>;
  /** Problems of the annotations and of reading the contract files. */
  problems: ContractProblem[];
}

/** What a loader found: the entities, and problems not tied to one entity (broken YAML). */
export interface LoadedCatalog {
  entries: CatalogEntry[];
  problems: ContractProblem[];
}

/** Kinds the analysis reads; Location and others are ignored. */
export const ANALYZED_KINDS = [
  'component',
  'resource',
  'api',
  'system',
  'group',
  'user',
];
