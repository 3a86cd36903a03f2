/*
 * The slots of the catalog index and the numbers reads are recorded as: a leaf module (it
 * imports only the contract types), so that every part of the engine can name them without
 * importing the index or the rule context.
 */
import type { EntityContract, EntitySummary } from '../types';
import type { GraphNode } from './types';

/** An entity in the index, with its relations' refs normalized. */
export interface StoredEntity {
  readonly entity: EntitySummary;
  readonly dependsOn: string[];
  readonly dependencyOf: string[];
}

/** Everything known under one normalized ref; found by any spelling of the ref. */
export class Slot {
  stored?: StoredEntity = undefined;
  contract?: EntityContract = undefined;
  /** The id of the lookup by this ref's namespace/name (see {@link readKey}), once needed. */
  nameId = -1;
  /** What the context memoized about this ref, for one state of the catalog. */
  memos?: SlotMemos = undefined;
  /** While `analyze` loads its input: the contract waiting for this entity. */
  loading?: EntityContract = undefined;
  /** The graph node shown for this ref, if any (the analyzer's). */
  node?: GraphNode = undefined;
  /** Waiting in the analyzer's list of anchors to evaluate (again). */
  pending = false;

  /** `id`: the slot's number, the base of its read keys (see {@link readKey}). */
  constructor(readonly key: string, readonly id: number) {}
}

/**
 * The memos about one slot, valid while `epoch` is current (the catalog does not change within
 * an epoch): one object, made when first needed and dropped as a whole, so that a slot costs
 * little between analyses.
 */
export class SlotMemos {
  /** Memoized computations of `memo` (custom rules' among them). */
  memo?: Map<string, unknown> = undefined;
  /**
   * The built-in memos (stored as `memo` stores values), in fields: no key built, no map
   * searched. `resolve` of the ref when no entity has it exactly:
   */
  resolved: unknown = undefined;
  /** `findDataset` from this ref: the first dataset name asked for, then any others. */
  datasetName?: string = undefined;
  dataset: unknown = undefined;
  datasets?: Map<string, unknown> = undefined;
  constructor(readonly epoch: number) {}
}

/**
 * Reads are recorded as numbers: per slot, the entity and contract under its key (`id * 4`),
 * who lists it in `dependsOn` (`+ 1`), who lists it in `dependencyOf` (`+ 2`); per
 * namespace/name, the entities of any kind with it (`nameId * 4 + 3`).
 */
export const ReadKind = {
  Entity: 0,
  DependsOnRev: 1,
  DependencyOfRev: 2,
  Name: 3,
} as const;

/** The read key of a slot's entity, or of one of its relations. */
export function readKey(slot: Slot, kind: 0 | 1 | 2 = 0): number {
  return slot.id * 4 + kind;
}
