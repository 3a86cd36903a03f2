import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import type {
  GraphSnapshot,
  SnapshotChanges,
  StoredEntity,
} from '../services/ContractsGraphService';
import {
  contractChanges,
  hashContract,
  type StrippedContract,
  stripContract,
} from './contractChanges';
import type { DatabaseHistoryStore } from './DatabaseHistoryStore';
import { sameDigest } from './stateDigest';
import type {
  HistoryFinding,
  HistoryTransition,
  RecordedContract,
} from './types';

/** Contracts asked of a {@link StrippedContractSource} at once. */
const BATCH = 200;

/**
 * Where the stripped contracts of a snapshot's entities are made (the analysis worker, which
 * parsed them): by lower-cased ref, each its hash and its stripped form as JSON, or null when it
 * has none. A hash other than the snapshot's means the source has moved on: that contract is
 * stripped here from the snapshot.
 */
export type StrippedContractSource = (
  refs: string[],
) => Promise<Array<[string, string] | null>>;

/**
 * What a replica last recorded from, compared by hashes: contract hashes by lower-cased ref,
 * open findings by id (each with its evidence hash). The contracts and findings themselves are
 * read only for what changed.
 */
interface View {
  /** Calls `fn` with each entity's ref (lower-cased) and contract hash, when it has a contract. */
  forEachHash(fn: (ref: string, hash: string) => void): void;
  hash(ref: string): string | undefined;
  /** The stripped contracts of these refs (all of the view's). */
  contracts(refs: string[]): Promise<StrippedContract[]>;
  /**
   * The same as JSON (a snapshot's: as the worker made them, for the baseline, which writes them
   * as they are).
   */
  contractsJson?(refs: string[]): Promise<string[]>;
  findings: EvidenceById;
  /** These findings of the view (all of its), as the history keeps them, by id. */
  findingsOf(ids: string[]): Promise<Map<string, HistoryFinding>>;
}

/** Open findings' evidence hashes, by id. */
interface EvidenceById {
  has(id: string): boolean;
  evidenceOf(id: string): string | undefined;
  ids(): Iterable<string>;
}

/** {@link EvidenceById} of findings by id. */
const evidenceOfMap = (
  findings: ReadonlyMap<string, { evidence: string }>,
): EvidenceById => ({
  has: id => findings.has(id),
  evidenceOf: id => findings.get(id)?.evidence,
  ids: () => findings.keys(),
});

/** The contract hash of a served entity: made in the worker; here only for one made without. */
function hashOf(stored: StoredEntity): string | undefined {
  if ('contractHash' in stored) return stored.contractHash;
  return stored.contract && hashContract(stored.contract);
}

/** A finding as the history keeps it. */
export function toHistoryFinding(f: HistoryFinding | Finding): HistoryFinding {
  const h: HistoryFinding = {
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    consumer: f.consumer,
    provider: f.provider,
    subject: f.subject,
    title: f.title,
    expected: f.expected,
    actual: f.actual,
    evidence: f.evidence,
  };
  if (f.chain?.length) h.chain = f.chain;
  return h;
}

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
      /** Where the stripped contracts are made; default: here, from the snapshot. */
      strippedContracts?: StrippedContractSource;
    },
  ) {}

  /**
   * Takes a new snapshot; records it in the background, from a task of its own (not the one
   * that publishes it, which has just read the snapshot in).
   */
  onSnapshot(snapshot: GraphSnapshot): void {
    if (this.running) {
      this.pending = snapshot;
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
        await store.record(
          at,
          await this.diff(emptyView(), current, { baseline: true }),
          { baseline: true },
        );
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
      const transitions = await this.diff(await this.storedView(), current, {
        present: ref => snapshot.entities.has(ref),
      });
      if (transitions.length) await store.record(at, transitions);
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
    const transitions = await this.diff(this.previous, current, { only });
    if (transitions.length) await store.record(at, transitions);
    this.previous = current;
    this.previousContent = content;
  }

  /** A snapshot as compared: its own maps, nothing copied. */
  private view(snapshot: GraphSnapshot): View {
    const { entities, items } = snapshot;
    const source = this.options.strippedContracts;
    const local = (ref: string) =>
      JSON.stringify(stripContract(entities.get(ref)!.contract!));
    const contractsJson = async (refs: string[]) => {
      if (!source) return refs.map(local);
      const out: string[] = [];
      for (let i = 0; i < refs.length; i += BATCH) {
        const part = refs.slice(i, i + BATCH);
        const made = await source(part);
        part.forEach((ref, j) => {
          const m = made[j];
          out.push(
            m && m[0] === hashOf(entities.get(ref)!) ? m[1] : local(ref),
          );
        });
      }
      return out;
    };
    return {
      forEachHash(fn) {
        for (const [ref, stored] of entities) {
          const hash = hashOf(stored);
          if (hash) fn(ref, hash);
        }
      },
      hash: ref => {
        const stored = entities.get(ref);
        return stored && hashOf(stored);
      },
      contracts: async refs =>
        (await contractsJson(refs)).map(json => JSON.parse(json)),
      contractsJson,
      findings: {
        has: id => items.hasFinding(id),
        evidenceOf: id => items.evidenceOf(id),
        ids: () => items.findingIds,
      },
      findingsOf: async ids =>
        new Map(ids.map(id => [id, toHistoryFinding(items.finding(id)!)])),
    };
  }

  /** The state stored (a replica's first snapshot is compared with it). */
  private async storedView(): Promise<View> {
    const { store } = this.options;
    const { contracts, findings } = await store.loadState();
    return {
      forEachHash: fn => contracts.forEach((hash, ref) => fn(ref, hash)),
      hash: ref => contracts.get(ref),
      contracts: async refs => {
        const loaded = await store.loadContracts(refs);
        return refs.map(ref => loaded.get(ref)!);
      },
      findings: evidenceOfMap(findings),
      findingsOf: ids => store.loadFindings(ids),
    };
  }

  /**
   * The transitions from `before` to `after`. With `present` (a first snapshot against the
   * stored state), what is gone is only what belongs to entities the snapshot has. A
   * `baseline`'s contract transitions carry no changes (none are reported).
   */
  private async diff(
    before: View,
    after: View,
    options: {
      present?: (ref: string) => boolean;
      baseline?: boolean;
      only?: SnapshotChanges;
    } = {},
  ): Promise<HistoryTransition[]> {
    const { present, baseline, only } = options;
    const changed: Array<[string, string]> = [];
    const changedBefore: string[] = [];
    const gone: Array<[string, string]> = [];
    const compare = (ref: string, hash: string | undefined) => {
      const was = before.hash(ref);
      if (hash) {
        if (was === hash) return;
        changed.push([ref, hash]);
        if (was) changedBefore.push(ref);
      } else if (was && (!present || present(ref))) gone.push([ref, was]);
    };
    if (only) {
      // a delta from the snapshot `before` was made of: only what it changed
      for (const ref of only.entities) compare(ref, after.hash(ref));
    } else {
      after.forEachHash(compare);
      before.forEachHash(ref => {
        if (!after.hash(ref)) compare(ref, undefined);
      });
    }
    const out: HistoryTransition[] = [];
    if (changed.length && baseline && after.contractsJson) {
      // nothing is compared: written as the worker made them
      const now = await after.contractsJson(changed.map(([ref]) => ref));
      changed.forEach(([ref, hash], i) =>
        out.push({
          type: 'contract',
          entityRef: ref,
          after: { hash, json: now[i] },
          changes: [],
          more: 0,
        }),
      );
    } else if (changed.length) {
      const now = await after.contracts(changed.map(([ref]) => ref));
      const was = new Map<string, StrippedContract>();
      const wasContracts = await before.contracts(changedBefore);
      changedBefore.forEach((ref, i) => was.set(ref, wasContracts[i]));
      changed.forEach(([ref, hash], i) => {
        const wasHash = before.hash(ref);
        const beforeContract = was.get(ref);
        const { changes, more } = baseline
          ? { changes: [], more: 0 }
          : contractChanges(beforeContract, now[i]);
        out.push({
          type: 'contract',
          entityRef: ref,
          before:
            wasHash && beforeContract
              ? { hash: wasHash, contract: beforeContract }
              : undefined,
          after: { hash, contract: now[i] },
          changes,
          more,
        });
      });
    }
    if (gone.length) {
      const wasContracts = await before.contracts(gone.map(([ref]) => ref));
      gone.forEach(([ref, hash], i) =>
        out.push({
          type: 'contract',
          entityRef: ref,
          before: { hash, contract: wasContracts[i] } as RecordedContract,
          changes: [],
          more: 0,
        }),
      );
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
    const nowFindings = await after.findingsOf(moved);
    const wasFindings = await before.findingsOf([
      ...moved.filter(id => before.findings.has(id)),
      ...closed,
    ]);
    // (one another replica recorded as moved or closed meanwhile is left: the state moved on)
    for (const id of moved) {
      const was = wasFindings.get(id);
      if (before.findings.has(id) && !was) continue;
      out.push({ type: 'finding', before: was, after: nowFindings.get(id) });
    }
    for (const id of closed) {
      const was = wasFindings.get(id);
      if (!was) continue;
      if (!present || present(was.consumer.toLowerCase())) {
        out.push({ type: 'finding', before: was });
      }
    }
    return out;
  }
}

function emptyView(): View {
  return {
    forEachHash() {},
    hash: () => undefined,
    contracts: async refs => refs.map(() => ({})),
    findings: evidenceOfMap(new Map()),
    findingsOf: async ids => {
      if (ids.length) throw new Error(`no finding ${ids[0]}`);
      return new Map();
    },
  };
}
