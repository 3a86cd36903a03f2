import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  GraphSnapshot,
  SnapshotChanges,
  StoredEntity,
} from '../services/ContractsGraphService';
import type { AnalysisHost } from '../services/analysis/AnalysisHost';
import { LazyEntity } from '../services/analysis/lazyEntity';
import { baselinePages } from './baselineWrite';
import { hashContract } from './contractChanges';
import type { DatabaseHistoryStore } from './DatabaseHistoryStore';
import {
  type ContractWork,
  type FindingWork,
  historyOrder,
  historyRows,
  type HistoryWork,
  mergedOrder,
  NO_CHANGES,
  prepareHistory,
  type PreparedHistory,
} from './historyWork';
import { sameDigest } from './stateDigest';
import {
  type ComparedState,
  type ContractChange,
  type FindingChange,
  type StoredChanges,
  type BaselinePage,
  HistorySessions,
  type StoredChangesPage,
} from './storedComparison';
import type { ContractRow, FindingRow, HistoryRows } from './types';

/**
 * Contracts, and findings, prepared at once: each answer a few hundred kilobytes at most (a
 * stripped contract is about a kilobyte), which the main thread receives in a few ms.
 */
const CONTRACTS = 200;
const FINDINGS = 500;
/**
 * Keys sorted in the worker at once: a run's message is a few ms at most to send (100k refs in
 * one took 3.5-26 ms of this thread to post, at load 1-7); the runs are merged here as read.
 */
const RUN = 20000;
/** Stored pairs read and handed on at once, and changes read back at once. */
const PAGE = 5000;

/**
 * Where the history's CPU work is done (./historyWork.ts, ./storedComparison.ts): the analysis
 * worker, which has the contracts parsed (its own are used when their hash is the snapshot's)
 * and the snapshot's state (a replica's first is compared there with the stored state).
 */
export interface HistoryWorker {
  prepareHistory(work: HistoryWork): Promise<PreparedHistory>;
  historyOrder(keys: string[]): Promise<Uint32Array>;
  /**
   * A comparison of `snapshot`'s state with the stored one begins (./storedComparison.ts'
   * HistorySessions): its id; undefined when the worker's state has moved on from the
   * snapshot's.
   */
  historyBegin(snapshot: GraphSnapshot): Promise<number | undefined>;
  /** The baseline's rows of `snapshot` begin (the same; read by `historyRows`). */
  historyBaseline(snapshot: GraphSnapshot): Promise<number | undefined>;
  /**
   * Where the worker has its own connection to the plugin database (PostgreSQL): the baseline
   * of `snapshot` written by the worker itself (./baselineWrite.ts), as the store's
   * recordBaseline writes the pages this thread is given otherwise. True once complete, false
   * when another recorder writes it, undefined when the worker has moved on from `snapshot`.
   */
  historyWriteBaseline?(snapshot: GraphSnapshot): Promise<boolean | undefined>;
  historyStored(
    id: number,
    kind: 'contracts' | 'findings',
    keys: string[],
    hashes: string[],
  ): Promise<void>;
  historyChanges(
    id: number,
    max: number,
  ): Promise<StoredChangesPage | undefined>;
  historyRows(id: number, bytes: number): Promise<BaselinePage>;
  historyEnd(id: number): Promise<void>;
}

/** The same work in the analysis worker of `host`, which has the contracts parsed. */
export function historyWorkerIn(host: AnalysisHost): HistoryWorker {
  return {
    prepareHistory: work => host.call('prepareHistory', work),
    historyOrder: keys => host.call('historyOrder', keys),
    // (the worker's state is the snapshot's while its last transfer is the snapshot's)
    historyBegin: async snapshot =>
      snapshot.computedAt
        ? host.call('historyBegin', snapshot.computedAt)
        : undefined,
    historyBaseline: async snapshot =>
      snapshot.computedAt
        ? host.call('historyBaseline', snapshot.computedAt)
        : undefined,
    ...(host.persistsItself
      ? {
          historyWriteBaseline: async (snapshot: GraphSnapshot) =>
            snapshot.computedAt
              ? host.call('historyWriteBaseline', snapshot.computedAt)
              : undefined,
        }
      : {}),
    historyStored: (...args) => host.call('historyStored', ...args),
    historyRows: (id, bytes) => host.call('historyRows', id, bytes),
    historyChanges: (id, max) => host.call('historyChanges', id, max),
    historyEnd: id => host.call('historyEnd', id),
  };
}

/** The same work on this thread: for a recorder without a worker (tests). */
export function historyWorkHere(): HistoryWorker {
  const sessions = new HistorySessions(stateOf);
  return {
    prepareHistory: async work => prepareHistory(work, () => undefined),
    historyOrder: async keys => historyOrder(keys),
    historyBegin: async snapshot => sessions.compare(snapshot),
    historyBaseline: async snapshot => sessions.baseline(snapshot),
    historyStored: async (...args) => sessions.stored(...args),
    historyChanges: async (id, max) => sessions.changes(id, max),
    historyRows: async (id, bytes) => sessions.rows(id, bytes),
    historyEnd: async id => sessions.end(id),
  };
}

/** A snapshot's state as compared with the stored one (its findings parsed: tests). */
function stateOf({ entities, items }: GraphSnapshot): ComparedState {
  const findings = [];
  for (let i = 0; i < items.findings.length; i++) {
    findings.push(items.findings.at(i));
  }
  return { entities, findings };
}

/** A contract's text as the worker reads it (see ContractWork's `before`). */
type ContractText = { stored?: string; entity?: string };

/** Where the texts of what changed are read: a snapshot, or the stored state. */
interface Texts {
  /** The texts of these refs' contracts (all of its; undefined: not found). */
  contractTexts(refs: string[]): Promise<Array<ContractText | undefined>>;
  /** These findings (all of its) as JSON, by id (one not found: left out). */
  findingTexts(ids: string[]): Promise<Map<string, string>>;
}

/**
 * A snapshot as compared with another: contract hashes by lower-cased ref, open findings by id
 * (each with its evidence hash). The contracts and findings themselves are read, as text, only
 * for what changed.
 */
interface View extends Texts {
  hash(ref: string): string | undefined;
  findings: {
    has(id: string): boolean;
    evidenceOf(id: string): string | undefined;
  };
}

/** The contract hash of a served entity: made in the worker; here only for one made without. */
function hashOf(stored: StoredEntity): string | undefined {
  if ('contractHash' in stored) return stored.contractHash;
  return stored.contract && hashContract(stored.contract);
}

/** A served entity's contract as JSON: as received (unparsed), or (one made here) written. */
const entityJson = (stored: StoredEntity) =>
  stored instanceof LazyEntity
    ? stored.json()
    : JSON.stringify({ contract: stored.contract });

/**
 * Records, for every new graph snapshot, what changed since the snapshot before it: contracts
 * (by hash), findings opened, closed or with new evidence. Each replica compares its own
 * snapshots; the store records a change only where the stored state is still the one the
 * replica saw before, so that replicas computing the same change write it once. A replica's
 * first snapshot is compared with the stored state (what changed while no replica ran), in the
 * worker, without closing what belongs to entities it does not have (yet). The very first
 * snapshot ever is the baseline: stored, not reported.
 *
 * Recording runs after the snapshot is served, one at a time; snapshots that come meanwhile
 * are folded into the next (the latest is compared with the last recorded).
 */
export class ContractHistoryRecorder {
  private previous?: View;
  /** The content of the snapshot {@link previous} is of. */
  private previousContent?: Pick<GraphSnapshot, 'items' | 'entities'>;
  private pending?: GraphSnapshot;
  private running?: Promise<void>;
  private local?: HistoryWorker;

  constructor(
    private readonly options: {
      store: DatabaseHistoryStore;
      logger: LoggerService;
      /** Where the history's work is done; default: here. */
      worker?: HistoryWorker;
    },
  ) {}

  /**
   * Takes a new snapshot; records it in the background, from a task of its own (not the one
   * that publishes it, which has just read the snapshot in).
   */
  onSnapshot(snapshot: GraphSnapshot): void {
    if (this.running) {
      this.pending = this.pending ? folded(this.pending, snapshot) : snapshot;
      return;
    }
    this.running = this.drain(snapshot).finally(() => {
      this.running = undefined;
      // (one taken after the last was recorded, before this)
      const next = this.takePending();
      if (next) this.onSnapshot(next);
    });
  }

  /** Resolves once every snapshot taken so far is recorded (or failed to be). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(first: GraphSnapshot) {
    for (
      let snapshot: GraphSnapshot | undefined = first;
      snapshot;
      snapshot = this.takePending()
    ) {
      await new Promise(resolve => setImmediate(resolve));
      try {
        await this.record(snapshot);
      } catch (error) {
        // the next snapshot is compared with the last one recorded: nothing is lost
        this.options.logger.warn('Contracts history could not be recorded', {
          error: String((error as Error)?.message ?? error),
        });
      }
    }
  }

  private takePending(): GraphSnapshot | undefined {
    const next = this.pending;
    this.pending = undefined;
    return next;
  }

  /** Compares `snapshot` with the last recorded view (or the stored state) and records. */
  async record(snapshot: GraphSnapshot): Promise<void> {
    const { store } = this.options;
    const current = this.view(snapshot);
    const content = { items: snapshot.items, entities: snapshot.entities };
    const at = snapshot.computedAt ?? new Date().toISOString();
    const recorded = () => {
      this.previous = current;
      this.previousContent = content;
    };
    if (!this.previous) {
      if (!(await store.hasBaseline())) {
        const written = await this.writeBaseline(snapshot);
        if (written === undefined) return; // (moved on: the next snapshot is the baseline)
        if (written) {
          recorded();
          return;
        }
        // another replica writes it (or has just completed it): when it has, the next snapshot
        // is compared with it (the first of this replica: in full, in the worker)
        if (!(await store.hasBaseline())) return;
      }
      // (what changed while no replica ran; what belongs to entities it does not have yet is
      // left open)
      if (await this.recordWhole(snapshot, current, at)) recorded();
      return;
    }
    // a delta from the snapshot last recorded says what it changed: only that is compared
    const { changes } = snapshot;
    if (
      changes &&
      changes.since.items === this.previousContent?.items &&
      changes.since.entities === this.previousContent.entities
    ) {
      const rows = await this.diff(this.previous, current, changes);
      if (rows.contracts.length || rows.findings.length) {
        await store.record(at, rows);
      }
      recorded();
      return;
    }
    // a full snapshot (a full recompute; a replica that follows adopts each the computing one
    // persisted): compared whole, as a first one is, in the worker
    if (await this.recordWhole(snapshot, current, at, this.previousContent)) {
      recorded();
    }
  }

  /**
   * Records what differs between the stored state and `snapshot` (a first one, or one that is
   * no delta of the last recorded): nothing when their digests say they are the same (a
   * restart's, a follower's usual case), else compared in the worker (./storedComparison.ts)
   * — never walked on this thread (at 100k entities the walk was a 126 ms task). False: the
   * worker has moved on from `snapshot` (the next one, coming, is compared instead). The
   * findings closed are only those this replica has read the end of: of an entity the snapshot
   * has, or (`had`: the last recorded snapshot) one it had, or of its findings.
   */
  private async recordWhole(
    snapshot: GraphSnapshot,
    current: View,
    at: string,
    had?: Pick<GraphSnapshot, 'items' | 'entities'>,
  ): Promise<boolean> {
    if (await this.storedIs(snapshot)) return true;
    const changes = await this.storedChanges(snapshot);
    if (!changes) {
      this.options.logger.debug(
        'Contracts history: a newer graph than the one to compare is computed; comparing that',
      );
      return false;
    }
    // (in the order of their keys, as compared)
    const rows = await this.rowsOf(this.storedTexts(), current, changes, {
      closes: f =>
        snapshot.entities.has(f.consumer) ||
        Boolean(had?.entities.has(f.consumer) || had?.items.hasFinding(f.id)),
    });
    if (rows.contracts.length || rows.findings.length) {
      await this.options.store.record(at, rows);
    }
    return true;
  }

  /**
   * Whether the stored state is `snapshot`'s, told by their digests (made in SQL and in the
   * worker: neither is loaded nor walked here); false where the store has none (SQLite) or the
   * snapshot none (a delta's).
   */
  private async storedIs(snapshot: GraphSnapshot): Promise<boolean> {
    const digest = snapshot.items.stateDigest;
    const stored = digest && (await this.options.store.stateDigest());
    return Boolean(digest && stored && sameDigest(digest, stored));
  }

  private get worker(): HistoryWorker {
    return this.options.worker ?? (this.local ??= historyWorkHere());
  }

  /** A snapshot as compared: its own maps, nothing copied. */
  private view(snapshot: GraphSnapshot): View {
    const { entities, items } = snapshot;
    return {
      hash: ref => {
        const stored = entities.get(ref);
        return stored && hashOf(stored);
      },
      contractTexts: async refs =>
        refs.map(ref => ({ entity: entityJson(entities.get(ref)!) })),
      findings: {
        has: id => items.hasFinding(id),
        evidenceOf: id => items.evidenceOf(id),
      },
      findingTexts: async ids =>
        new Map(
          ids.map(id => [
            id,
            items.findings.json(items.findingRowIndex.get(id)!),
          ]),
        ),
    };
  }

  /** The texts of the state stored, read only for what changed. */
  private storedTexts(): Texts {
    const { store } = this.options;
    return {
      contractTexts: async refs => {
        const loaded = await store.loadContracts(refs);
        return refs.map(ref => {
          const stored = loaded.get(ref);
          return stored === undefined ? undefined : { stored };
        });
      },
      findingTexts: ids => store.loadFindings(ids),
    };
  }

  /**
   * What differs between the stored state and `snapshot`'s, compared in the worker
   * (./storedComparison.ts): the stored state's pairs are read page by page and handed on as
   * they come, the changes read back page by page. Undefined: the worker has moved on from the
   * snapshot's state.
   */
  private async storedChanges(
    snapshot: GraphSnapshot,
  ): Promise<StoredChanges | undefined> {
    const { worker } = this;
    const id = await worker.historyBegin(snapshot);
    if (id === undefined) return undefined;
    try {
      for (const kind of ['contracts', 'findings'] as const) {
        for await (const [keys, hashes] of this.options.store.statePages(
          kind,
          PAGE,
        )) {
          await worker.historyStored(id, kind, keys, hashes);
        }
      }
      const out: StoredChanges = { contracts: [], findings: [] };
      for (;;) {
        const page = await worker.historyChanges(id, PAGE);
        if (!page) return undefined;
        for (const c of page.contracts) out.contracts.push(c);
        for (const f of page.findings) out.findings.push(f);
        if (page.done) return out;
      }
    } finally {
      // (answered done once read; else given up)
      await worker.historyEnd(id).catch(() => undefined);
    }
  }

  /** `rows` in the order of their keys (the store's), made in the worker. */
  private async ordered<T>(rows: T[], key: (row: T) => string): Promise<T[]> {
    if (rows.length < 2) return rows;
    const next = await this.order(rows.map(key));
    return next(rows.length).map(i => rows[i]);
  }

  /**
   * The order of `keys` (unique; by code units, as the store writes rows): sorted in the worker
   * run by run ({@link RUN}), merged here as it is read — `next(n)` gives the indices of the next
   * `n` keys.
   */
  private async order(keys: readonly string[]) {
    const runs: Array<{ from: number; order: Uint32Array }> = [];
    for (let from = 0; from < keys.length; from += RUN) {
      const order = await this.worker.historyOrder(
        keys.slice(from, from + RUN),
      );
      runs.push({ from, order });
    }
    return mergedOrder(keys, runs);
  }

  /**
   * The rows of the contracts `changes` (in their order): those with a contract now stripped,
   * compared (the baseline's: not) and written in the worker, in batches; those gone written
   * here.
   */
  private async contractRows(
    before: Texts,
    after: Texts,
    changes: readonly ContractChange[],
    baseline: boolean,
  ): Promise<ContractRow[]> {
    const out: ContractRow[] = [];
    for (let i = 0; i < changes.length; i += CONTRACTS) {
      const part = changes.slice(i, i + CONTRACTS);
      const made = part.filter(c => c.after);
      const had = made.filter(c => c.before);
      const texts = had.length
        ? await before.contractTexts(had.map(c => c.ref))
        : [];
      const was = new Map(had.map((c, j) => [c.ref, texts[j]]));
      const works = made.map(
        (c): ContractWork => ({
          key: c.ref,
          ...(c.before
            ? { before: { hash: c.before, ...was.get(c.ref) } }
            : {}),
          after: { hash: c.after! },
        }),
      );
      const rows = works.length ? await this.prepare(works, baseline) : [];
      // the worker has moved on from these: their text from the snapshot
      const missed = works.filter((_, j) => !rows[j]);
      const texts2 = missed.length
        ? await after.contractTexts(missed.map(w => w.key))
        : [];
      const again = missed.length
        ? await this.prepare(
            missed.map((w, j) => ({
              ...w,
              after: { ...w.after, ...texts2[j] },
            })),
            baseline,
          )
        : [];
      let k = 0;
      let m = 0;
      for (const c of part) {
        if (!c.after) {
          out.push({ ref: c.ref, before: c.before, body: NO_CHANGES });
          continue;
        }
        const got = rows[k++] ?? again[m++];
        if (!got) throw new Error('a contract is not the one of its hash');
        out.push(got);
      }
    }
    return out;
  }

  private async prepare(works: ContractWork[], baseline: boolean) {
    return historyRows(
      await this.worker.prepareHistory({
        contracts: works,
        findings: [],
        baseline,
      }),
    ).contracts;
  }

  /**
   * The rows of the findings `changes` (opened, with new evidence, closed; in their order): read
   * as text only for these, made in the worker, in batches.
   */
  private async findingRows(
    before: Texts,
    after: Texts,
    changes: readonly FindingChange[],
    baseline: boolean,
  ): Promise<FindingRow[]> {
    const out: FindingRow[] = [];
    const ids = (list: FindingChange[]) => list.map(f => f.id);
    for (let i = 0; i < changes.length; i += FINDINGS) {
      const part = changes.slice(i, i + FINDINGS);
      const open = part.filter(f => f.open);
      const stored = part.filter(f => f.stored);
      const now = open.length
        ? await after.findingTexts(ids(open))
        : new Map<string, string>();
      const was = stored.length
        ? await before.findingTexts(ids(stored))
        : new Map<string, string>();
      const works: FindingWork[] = [];
      for (const f of part) {
        const w = was.get(f.id);
        // (one another replica recorded as moved or closed meanwhile is left: the state moved on)
        if (f.stored && w === undefined) continue;
        works.push({ before: w, after: f.open ? now.get(f.id) : undefined });
      }
      if (!works.length) continue;
      const { findings } = historyRows(
        await this.worker.prepareHistory({
          contracts: [],
          findings: works,
          baseline,
        }),
      );
      for (const f of findings) out.push(f);
    }
    return out;
  }

  /**
   * Writes `snapshot` as the baseline: every contract, then every finding, each in the order of
   * their keys, made in the worker page by page — written by the worker itself where it can
   * (PostgreSQL), else here as they come. As `historyWriteBaseline` answers.
   */
  private async writeBaseline(
    snapshot: GraphSnapshot,
  ): Promise<boolean | undefined> {
    const { worker } = this;
    if (worker.historyWriteBaseline) {
      return worker.historyWriteBaseline(snapshot);
    }
    const id = await worker.historyBaseline(snapshot);
    if (id === undefined) return undefined;
    try {
      return await this.options.store.recordBaseline(() =>
        baselinePages(bytes => worker.historyRows(id, bytes)),
      );
    } finally {
      await worker.historyEnd(id).catch(() => undefined);
    }
  }

  /**
   * The rows of `changes`, from `before` to `after` (in their order). With `closes` (a snapshot
   * against the stored state), the findings closed are only those it answers true for.
   */
  private async rowsOf(
    before: Texts,
    after: Texts,
    changes: StoredChanges,
    options: { closes?: (f: FindingRow) => boolean } = {},
  ): Promise<HistoryRows> {
    const { closes } = options;
    const contracts = await this.contractRows(
      before,
      after,
      changes.contracts,
      false,
    );
    const findings = (
      await this.findingRows(before, after, changes.findings, false)
    ).filter(f => f.after || !closes || closes(f));
    return { contracts, findings };
  }

  /** The rows from the snapshot last recorded to a delta of it: what `only` says changed. */
  private async diff(
    before: View,
    after: View,
    only: SnapshotChanges,
  ): Promise<HistoryRows> {
    const contracts: ContractChange[] = [];
    for (const ref of only.entities) {
      const [was, now] = [before.hash(ref), after.hash(ref)];
      if (now ? was !== now : was) {
        contracts.push({ ref, before: was, after: now });
      }
    }
    const findings: FindingChange[] = [];
    for (const id of only.findings) {
      const stored = before.findings.has(id);
      const open = after.findings.has(id);
      if (
        open
          ? !stored ||
            before.findings.evidenceOf(id) !== after.findings.evidenceOf(id)
          : stored
      ) {
        findings.push({ id, stored, open });
      }
    }
    const rows = await this.rowsOf(before, after, { contracts, findings });
    return {
      contracts: await this.ordered(rows.contracts, c => c.ref),
      findings: await this.ordered(rows.findings, f => f.id),
    };
  }
}

/**
 * `next` taken in place of `earlier` (not recorded): when it is a delta of it, with what both
 * changed since what `earlier` was a delta of, so that it is still compared in O(changed).
 */
function folded(earlier: GraphSnapshot, next: GraphSnapshot): GraphSnapshot {
  const [a, b] = [earlier.changes, next.changes];
  if (
    !a ||
    !b ||
    b.since.items !== earlier.items ||
    b.since.entities !== earlier.entities
  ) {
    return next;
  }
  const union = (x: readonly string[], y: readonly string[]) => [
    ...new Set([...x, ...y]),
  ];
  return {
    ...next,
    changes: {
      since: a.since,
      entities: union(a.entities, b.entities),
      findings: union(a.findings, b.findings),
    },
  };
}
