/*
 * A replica's first snapshot compared with the stored history, where the snapshot's state is (the
 * analysis worker's `history*` methods; ContractHistoryRecorder calls them): the main thread reads
 * the stored state page by page and hands each page on, then reads back only what differs. At
 * 100k entities the comparison on the main thread (the stored state loaded into maps, then a pass
 * over both) was a 180-430 ms task at a restart. Pure: the recorder runs it itself when there is
 * no worker. The baseline's rows are made here as well, of the snapshot's state, page by page.
 */
import type {
  EntityContract,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
import { hashContract } from './contractChanges';
import {
  baselineContract,
  baselineFinding,
  placed,
  type PreparedHistory,
} from './historyWork';
import type { ContractRow, FindingRow, HistoryFinding } from './types';

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

/** An entity as compared: its contract (parsed when read) and the contract's hash. */
type Entity = {
  readonly contract?: EntityContract;
  readonly contractHash?: string;
};

/** The snapshot's state as compared: its entities (by key) and its open findings. */
export interface ComparedState {
  entities: ReadonlyMap<string, Entity>;
  findings: ReadonlyArray<Finding | HistoryFinding>;
}

/** The stored state's pairs as read: per page, its keys and their hashes. */
type Pages = Array<[string[], string[]]>;

/** An entity's contract hash, as the worker made it (or made here for one made without). */
function hashOf(stored: Entity) {
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
  const open = new Map(state.findings.map(f => [f.id, f.evidence]));
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

/** The baseline's rows of a snapshot, in pages: its contracts, then its findings. */
export type BaselinePage = PreparedHistory & { done: boolean };

type Session =
  | {
      kind: 'compare';
      state: () => ComparedState | undefined;
      stored: { contracts: Pages; findings: Pages };
      changes?: StoredChanges;
      /** How many of `changes`' contracts and findings were read. */
      read: [number, number];
    }
  | {
      kind: 'baseline';
      contracts: Array<[string, Entity]>;
      findings: ReadonlyArray<Finding | HistoryFinding>;
      /** How many of them were written. */
      read: [number, number];
    };

/**
 * The history's work on a snapshot's state where that state is (the analysis worker: `key` is
 * the snapshot's computedAt; here: the snapshot), by session: a comparison with the stored state
 * (`compare`: the stored pages handed to it until its changes are asked for, then those until
 * read), or the baseline's rows (`baseline`: the entities and findings taken when it begins,
 * written page by page). `stateOf(key)` is undefined once the state here has moved on from the
 * snapshot's: nothing begins (the recorder takes the next snapshot), and a comparison is given
 * up.
 */
export class HistorySessions<K> {
  private readonly sessions = new Map<number, Session>();
  private next = 1;

  constructor(
    private readonly stateOf: (key: K) => ComparedState | undefined,
  ) {}

  /** A comparison with the stored state begins: its id; undefined when moved on. */
  compare = (key: K): number | undefined => {
    if (!this.stateOf(key)) return undefined;
    return this.add({
      kind: 'compare',
      state: () => this.stateOf(key),
      stored: { contracts: [], findings: [] },
      read: [0, 0],
    });
  };

  /**
   * The baseline's rows begin: the entities with a contract and the findings, each in the order
   * of their keys (by code units, as the store writes them; a sort of 100k refs took 46-94 ms
   * of a thread), taken now. Its id; undefined when moved on.
   */
  baseline = (key: K): number | undefined => {
    const state = this.stateOf(key);
    if (!state) return undefined;
    // (an adopted snapshot's contracts are parsed as their pages are written)
    const contracts: Array<[string, Entity]> = [];
    for (const [k, e] of state.entities) if (hashOf(e)) contracts.push([k, e]);
    return this.add({
      kind: 'baseline',
      contracts: contracts.sort(byKey(([k]) => k)),
      findings: [...state.findings].sort(byKey(f => f.id)),
      read: [0, 0],
    });
  };

  /** A page of the stored state's pairs. */
  stored = (
    id: number,
    kind: 'contracts' | 'findings',
    keys: string[],
    hashes: string[],
  ): void => {
    this.session(id, 'compare').stored[kind].push([keys, hashes]);
  };

  /**
   * The next (at most) `max` changes, contracts first (compared when first asked); undefined
   * when the state has moved on from the snapshot's.
   */
  changes = (id: number, max: number): StoredChangesPage | undefined => {
    const session = this.session(id, 'compare');
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

  /**
   * The baseline's next rows, about `bytes` of JSON (at least one row; a page the main thread
   * receives, and the store writes, in short tasks); `done` with the last.
   */
  rows = (id: number, bytes: number): BaselinePage => {
    const session = this.session(id, 'baseline');
    const { read } = session;
    const out: { contracts: ContractRow[]; findings: FindingRow[] } = {
      contracts: [],
      findings: [],
    };
    let size = 0;
    while (size < bytes && read[0] < session.contracts.length) {
      const [k, entity] = session.contracts[read[0]++];
      const row = baselineContract(k, entity.contract!);
      out.contracts.push(row);
      size += row.after!.json.length;
    }
    while (size < bytes && read[1] < session.findings.length) {
      const row = baselineFinding(session.findings[read[1]++]);
      out.findings.push(row);
      size += row.after!.json.length;
    }
    const done =
      read[0] === session.contracts.length &&
      read[1] === session.findings.length;
    if (done) this.sessions.delete(id);
    return { ...placed(out), done };
  };

  /** The session is given up (or done). */
  end = (id: number): void => {
    this.sessions.delete(id);
  };

  private add(session: Session): number {
    const id = this.next++;
    this.sessions.set(id, session);
    return id;
  }

  private session<T extends Session['kind']>(id: number, kind: T) {
    const session = this.sessions.get(id);
    if (session?.kind !== kind) throw new Error(`no history ${kind} ${id}`);
    return session as Extract<Session, { kind: T }>;
  }
}
