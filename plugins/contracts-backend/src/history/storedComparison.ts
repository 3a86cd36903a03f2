/*
 * A replica's first snapshot compared with the stored history, where the snapshot's state is (the
 * analysis worker's `history*` methods; ContractHistoryRecorder calls them): the main thread reads
 * the stored state page by page and hands each page on, then reads back only what differs. At
 * 100k entities the comparison on the main thread (the stored state loaded into maps, then a pass
 * over both) was a 180-430 ms task at a restart. Pure: the recorder runs it itself when there is
 * no worker.
 */
import type { EntityContract } from '@backstage-contracts/plugin-contracts-common';
import { hashContract } from './contractChanges';

/**
 * A contract that differs between the stored state and the snapshot: its hash stored (`before`;
 * absent: none stored) and in the snapshot (`after`; absent: gone, the entity has none now).
 */
export interface ContractChange {
  ref: string;
  before?: string;
  after?: string;
}

/**
 * A finding opened (`stored` false), with new evidence, or closed (`open` false) in the snapshot
 * against the stored state.
 */
export interface FindingChange {
  id: string;
  stored: boolean;
  open: boolean;
}

/** What differs, each list in the order of its keys (by code units, as the store writes rows). */
export interface StoredChanges {
  contracts: ContractChange[];
  findings: FindingChange[];
}

/** A page of {@link StoredChanges}; `done`: the last. */
export type StoredChangesPage = StoredChanges & { done: boolean };

/** The snapshot's state as compared: its entities (by key) and its open findings' evidence. */
export interface ComparedState {
  entities: ReadonlyMap<
    string,
    { contract?: EntityContract; contractHash?: string }
  >;
  /** Each open finding's id and evidence hash. */
  findings(): Iterable<[string, string]>;
}

/** The state of these entities and findings (a transfer's), as compared. */
export function sentState(
  entities: ComparedState['entities'],
  findings: ReadonlyArray<{ id: string; evidence: string }>,
): ComparedState {
  return {
    entities,
    *findings() {
      for (const f of findings) yield [f.id, f.evidence];
    },
  };
}

/** The stored state's pairs as read: per page, its keys and their hashes. */
type Pages = Array<[string[], string[]]>;

/** An entity's contract hash, as the worker made it (or made here for one made without). */
function hashOf(stored: { contract?: EntityContract; contractHash?: string }) {
  if ('contractHash' in stored) return stored.contractHash;
  return stored.contract && hashContract(stored.contract);
}

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    Number(key(a) > key(b)) - Number(key(a) < key(b));

/**
 * What differs between the stored pairs (contracts: entity key and hash; findings: id and
 * evidence hash) and `state`. A stored contract of an entity the snapshot does not have (not
 * read yet) is left as it is; closed findings are all listed (the recorder keeps those of the
 * entities the snapshot has, once it has read their consumer).
 */
export function storedChanges(
  stored: { contracts: Pages; findings: Pages },
  state: ComparedState,
): StoredChanges {
  const contracts: ContractChange[] = [];
  const seen = new Set<string>();
  for (const [refs, hashes] of stored.contracts) {
    refs.forEach((ref, i) => {
      seen.add(ref);
      const entity = state.entities.get(ref);
      if (!entity) return;
      const now = hashOf(entity);
      if (now !== hashes[i])
        contracts.push({ ref, before: hashes[i], after: now });
    });
  }
  for (const [ref, entity] of state.entities) {
    if (seen.has(ref)) continue;
    const now = hashOf(entity);
    if (now) contracts.push({ ref, after: now });
  }
  const open = new Map(state.findings());
  const findings: FindingChange[] = [];
  for (const [ids, evidence] of stored.findings) {
    ids.forEach((id, i) => {
      const now = open.get(id);
      if (now === undefined) findings.push({ id, stored: true, open: false });
      else if (now !== evidence[i])
        findings.push({ id, stored: true, open: true });
      open.delete(id);
    });
  }
  for (const id of open.keys())
    findings.push({ id, stored: false, open: true });
  contracts.sort(byKey(c => c.ref));
  findings.sort(byKey(f => f.id));
  return { contracts, findings };
}

/**
 * Comparisons in progress, by id: each holds the stored pages handed to it until its changes are
 * asked for, then those until read. `state()` (given at `begin`) is the snapshot's state, or
 * undefined once the state here has moved on from it (the comparison is then given up: the
 * recorder compares the next snapshot).
 */
export class StoredComparisons {
  private readonly sessions = new Map<
    number,
    {
      state: () => ComparedState | undefined;
      stored: { contracts: Pages; findings: Pages };
      changes?: StoredChanges;
      /** How many of `changes`' contracts and findings were read. */
      read: [number, number];
    }
  >();
  private next = 1;

  /** A new comparison with `state`; undefined when there is none (moved on). */
  begin(state: () => ComparedState | undefined): number | undefined {
    if (!state()) return undefined;
    const id = this.next++;
    this.sessions.set(id, {
      state,
      stored: { contracts: [], findings: [] },
      read: [0, 0],
    });
    return id;
  }

  /** A page of the stored state's pairs. */
  stored = (
    id: number,
    kind: 'contracts' | 'findings',
    keys: string[],
    hashes: string[],
  ): void => {
    this.session(id).stored[kind].push([keys, hashes]);
  };

  /**
   * The next (at most) `max` changes, contracts first (compared when first asked); undefined
   * when the state has moved on from the snapshot's.
   */
  changes = (id: number, max: number): StoredChangesPage | undefined => {
    const session = this.session(id);
    if (!session.changes) {
      const state = session.state();
      if (!state) return undefined;
      session.changes = storedChanges(session.stored, state);
      session.stored = { contracts: [], findings: [] };
    }
    const { changes, read } = session;
    const contracts = changes.contracts.slice(read[0], read[0] + max);
    read[0] += contracts.length;
    const findings = changes.findings.slice(
      read[1],
      read[1] + max - contracts.length,
    );
    read[1] += findings.length;
    const done =
      read[0] === changes.contracts.length &&
      read[1] === changes.findings.length;
    if (done) this.sessions.delete(id);
    return { contracts, findings, done };
  };

  /** The comparison is given up (or done). */
  end = (id: number): void => {
    this.sessions.delete(id);
  };

  private session(id: number) {
    const session = this.sessions.get(id);
    if (!session) throw new Error(`no history comparison ${id}`);
    return session;
  }
}
