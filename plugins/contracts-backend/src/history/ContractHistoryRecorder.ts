import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  GraphSnapshot,
  SnapshotChanges,
  StoredEntity,
} from '../services/ContractsGraphService';
import { LazyEntity } from '../services/analysis/lazyEntity';
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

/**
 * Where the history's CPU work is done (./historyWork.ts): the analysis worker, which has the
 * contracts parsed (its own are used when their hash is the snapshot's).
 */
export interface HistoryWorker {
  prepareHistory(work: HistoryWork): Promise<PreparedHistory>;
  historyOrder(keys: string[]): Promise<Uint32Array>;
}

/** The same work on this thread: for a recorder without a worker (tests). */
const here: HistoryWorker = {
  prepareHistory: async work => prepareHistory(work, () => undefined),
  historyOrder: async keys => historyOrder(keys),
};

/** A contract's text as the worker reads it (see ContractWork's `before`). */
type ContractText = { stored?: string; entity?: string };

/**
 * What a replica last recorded from, compared by hashes: contract hashes by lower-cased ref,
 * open findings by id (each with its evidence hash). The contracts and findings themselves are
 * read, as text, only for what changed.
 */
interface View {
  /** Each entity's ref (lower-cased) and contract hash, when it has a contract. */
  hashes(): Iterable<[string, string]>;
  hash(ref: string): string | undefined;
  /** The texts of these refs' contracts (all of the view's; undefined: not found). */
  contractTexts(refs: string[]): Promise<Array<ContractText | undefined>>;
  findings: EvidenceById;
  /** These findings of the view (all of its) as JSON, by id (one not found: left out). */
  findingTexts(ids: string[]): Promise<Map<string, string>>;
}

/** Open findings' evidence hashes, by id. */
interface EvidenceById {
  has(id: string): boolean;
  evidenceOf(id: string): string | undefined;
  ids(): readonly string[];
}

/** {@link EvidenceById} of findings by id. */
const evidenceOfMap = (
  findings: ReadonlyMap<string, { evidence: string }>,
): EvidenceById => ({
  has: id => findings.has(id),
  evidenceOf: id => findings.get(id)?.evidence,
  ids: () => [...findings.keys()],
});

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
 * first snapshot is compared with the stored state (what changed while no replica ran),
 * without closing what belongs to entities it does not have (yet). The very first snapshot
 * ever is the baseline: stored, not reported.
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
    if (!this.previous) {
      if (await store.isEmpty()) {
        await store.recordBaseline(() => this.baselineRows(snapshot, current));
        this.previous = current;
        this.previousContent = content;
        return;
      }
      // a restart's usual case: the stored state is this snapshot's (told by their digests,
      // made in SQL and in the worker: neither is loaded nor walked here)
      const digest = snapshot.items.stateDigest;
      const stored = digest && (await store.stateDigest());
      if (digest && stored && sameDigest(digest, stored)) {
        this.previous = current;
        this.previousContent = content;
        return;
      }
      const rows = await this.diff(await this.storedView(), current, {
        present: ref => snapshot.entities.has(ref),
      });
      if (rows.contracts.length || rows.findings.length) {
        await store.record(at, rows);
      }
      this.previous = current;
      this.previousContent = content;
      return;
    }
    // a delta from the snapshot last recorded says what it changed: only that is compared
    const { changes } = snapshot;
    const only =
      changes &&
      changes.since.items === this.previousContent?.items &&
      changes.since.entities === this.previousContent.entities
        ? changes
        : undefined;
    const rows = await this.diff(this.previous, current, { only });
    if (rows.contracts.length || rows.findings.length) {
      await store.record(at, rows);
    }
    this.previous = current;
    this.previousContent = content;
  }

  private get worker(): HistoryWorker {
    return this.options.worker ?? here;
  }

  /** A snapshot as compared: its own maps, nothing copied. */
  private view(snapshot: GraphSnapshot): View {
    const { entities, items } = snapshot;
    return {
      *hashes() {
        for (const [ref, stored] of entities) {
          const hash = hashOf(stored);
          if (hash) yield [ref, hash];
        }
      },
      hash: ref => {
        const stored = entities.get(ref);
        return stored && hashOf(stored);
      },
      contractTexts: async refs =>
        refs.map(ref => ({ entity: entityJson(entities.get(ref)!) })),
      findings: {
        has: id => items.hasFinding(id),
        evidenceOf: id => items.evidenceOf(id),
        ids: () => items.findingIds,
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

  /** The state stored (a replica's first snapshot is compared with it). */
  private async storedView(): Promise<View> {
    const { store } = this.options;
    const { contracts, findings } = await store.loadState();
    return {
      hashes: () => contracts.entries(),
      hash: ref => contracts.get(ref),
      contractTexts: async refs => {
        const loaded = await store.loadContracts(refs);
        return refs.map(ref => {
          const stored = loaded.get(ref);
          return stored === undefined ? undefined : { stored };
        });
      },
      findings: evidenceOfMap(findings),
      findingTexts: ids => store.loadFindings(ids),
    };
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
   * The rows of the contracts of `refs` that are new or changed (the baseline's: every ref,
   * those without a contract left out here, batch by batch): stripped, compared and written in
   * the worker, in batches.
   */
  private async contractRows(
    before: View,
    after: View,
    refs: readonly string[],
    baseline: boolean,
  ): Promise<ContractRow[]> {
    const out: ContractRow[] = [];
    for (let i = 0; i < refs.length; i += CONTRACTS) {
      const part: Array<[string, string]> = [];
      for (const ref of refs.slice(i, i + CONTRACTS)) {
        const hash = after.hash(ref);
        if (hash) part.push([ref, hash]);
      }
      if (!part.length) continue;
      const had = part.filter(([ref]) => before.hash(ref));
      const texts = await before.contractTexts(had.map(([ref]) => ref));
      const was = new Map(had.map(([ref], j) => [ref, texts[j]]));
      const works = part.map(([ref, hash]): ContractWork => {
        const wasHash = before.hash(ref);
        return {
          key: ref,
          ...(wasHash ? { before: { hash: wasHash, ...was.get(ref) } } : {}),
          after: { hash },
        };
      });
      const made = await this.prepare(works, baseline);
      // the worker has moved on from these: their text from the snapshot
      const missed = works.filter((_, j) => !made[j]);
      const texts2 = await after.contractTexts(missed.map(w => w.key));
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
      for (const row of made) {
        const got = row ?? again[k++];
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
   * The rows of the findings opened or with new evidence (`moved`) and closed: read as text
   * only for these, made in the worker, in batches.
   */
  private async findingRows(
    before: View,
    after: View,
    moved: string[],
    closed: string[],
    baseline: boolean,
  ): Promise<FindingRow[]> {
    const out: FindingRow[] = [];
    const ids = [...moved, ...closed];
    for (let i = 0; i < ids.length; i += FINDINGS) {
      const part = ids.slice(i, i + FINDINGS);
      const isMoved = (id: string) => after.findings.has(id);
      const now = await after.findingTexts(part.filter(isMoved));
      const was = await before.findingTexts(
        part.filter(id => before.findings.has(id)),
      );
      const works: FindingWork[] = [];
      for (const id of part) {
        const w = was.get(id);
        // (one another replica recorded as moved or closed meanwhile is left: the state moved on)
        if (before.findings.has(id) && w === undefined) continue;
        works.push({ before: w, after: isMoved(id) ? now.get(id) : undefined });
      }
      const { findings } = historyRows(
        await this.worker.prepareHistory({
          contracts: [],
          findings: works,
          baseline,
        }),
      );
      out.push(...findings);
    }
    return out;
  }

  /**
   * The baseline's rows: every contract of `snapshot`, then every finding, each in the order of
   * their keys (made in the worker), batch by batch as the store writes them.
   */
  private async *baselineRows(
    snapshot: GraphSnapshot,
    view: View,
  ): AsyncGenerator<HistoryRows> {
    const none = emptyView();
    const refs = [...snapshot.entities.keys()];
    const nextRefs = await this.order(refs);
    for (let p = nextRefs(CONTRACTS); p.length; p = nextRefs(CONTRACTS)) {
      const part = p.map(j => refs[j]);
      const contracts = await this.contractRows(none, view, part, true);
      if (contracts.length) yield { contracts, findings: [] };
    }
    const ids = snapshot.items.findingIds;
    const nextIds = await this.order(ids);
    for (let p = nextIds(FINDINGS); p.length; p = nextIds(FINDINGS)) {
      const part = p.map(j => ids[j]);
      const findings = await this.findingRows(none, view, part, [], true);
      yield { contracts: [], findings };
    }
  }

  /**
   * The rows from `before` to `after`. With `present` (a first snapshot against the stored
   * state), what is gone is only what belongs to entities the snapshot has.
   */
  private async diff(
    before: View,
    after: View,
    options: {
      present?: (ref: string) => boolean;
      only?: SnapshotChanges;
    } = {},
  ): Promise<HistoryRows> {
    const { present, only } = options;
    const changed: string[] = [];
    const gone: string[] = [];
    const compare = (ref: string, hash: string | undefined) => {
      const was = before.hash(ref);
      if (hash) {
        if (was !== hash) changed.push(ref);
      } else if (was && (!present || present(ref))) gone.push(ref);
    };
    if (only) {
      // a delta from the snapshot `before` was made of: only what it changed
      for (const ref of only.entities) compare(ref, after.hash(ref));
    } else {
      // (a full comparison: a first snapshot unlike the stored state, or one not a delta of
      // the last recorded)
      for (const [ref, hash] of after.hashes()) compare(ref, hash);
      for (const [ref] of before.hashes()) {
        if (!after.hash(ref)) compare(ref, undefined);
      }
    }
    const contracts = await this.contractRows(before, after, changed, false);
    for (const ref of gone) {
      contracts.push({ ref, before: before.hash(ref), body: NO_CHANGES });
    }
    // the findings opened or with new evidence, and those closed: read only these
    const moved: string[] = [];
    const closed: string[] = [];
    const compareFinding = (id: string) => {
      if (!after.findings.has(id)) {
        if (before.findings.has(id)) closed.push(id);
      } else if (
        !before.findings.has(id) ||
        before.findings.evidenceOf(id) !== after.findings.evidenceOf(id)
      ) {
        moved.push(id);
      }
    };
    if (only) only.findings.forEach(compareFinding);
    else {
      for (const id of after.findings.ids()) compareFinding(id);
      for (const id of before.findings.ids()) {
        if (!after.findings.has(id)) compareFinding(id);
      }
    }
    const findings = (
      await this.findingRows(before, after, moved, closed, false)
    ).filter(f => f.after || !present || present(f.consumer));
    return {
      contracts: await this.ordered(contracts, c => c.ref),
      findings: await this.ordered(findings, f => f.id),
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

function emptyView(): View {
  return {
    hashes: () => [],
    hash: () => undefined,
    contractTexts: async refs => refs.map(() => undefined),
    findings: evidenceOfMap(new Map()),
    findingTexts: async ids => {
      if (ids.length) throw new Error(`no finding ${ids[0]}`);
      return new Map();
    },
  };
}
