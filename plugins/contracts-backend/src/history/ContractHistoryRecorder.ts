import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  EntityContract,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
import type { GraphSnapshot } from '../services/ContractsGraphService';
import {
  contractChanges,
  contractHash,
  stripContract,
} from './contractChanges';
import type { DatabaseHistoryStore } from './DatabaseHistoryStore';
import type {
  HistoryFinding,
  HistoryTransition,
  RecordedContract,
} from './types';

/** Items compared between two looks at the clock (the event loop serves requests between). */
const STEP = 2000;

const nextTurn = () => new Promise<void>(resolve => setImmediate(resolve));

/** What a replica last recorded from: contracts by lower-cased ref, open findings by id. */
interface View {
  contracts: Map<string, RecordedContract>;
  findings: Map<string, HistoryFinding>;
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
  private pending?: GraphSnapshot;
  private running?: Promise<void>;
  private readonly recorded = new WeakMap<EntityContract, RecordedContract>();

  constructor(
    private readonly options: {
      store: DatabaseHistoryStore;
      logger: LoggerService;
    },
  ) {}

  /** Takes a new snapshot; records it in the background. */
  onSnapshot(snapshot: GraphSnapshot): void {
    this.pending = snapshot;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves once every snapshot taken so far is recorded (or failed to be). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain() {
    while (this.pending) {
      const snapshot = this.pending;
      this.pending = undefined;
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

  /** Compares `snapshot` with the last recorded view (or the stored state) and records. */
  async record(snapshot: GraphSnapshot): Promise<void> {
    const { store } = this.options;
    const current = await this.view(snapshot);
    const at = snapshot.computedAt ?? new Date().toISOString();
    if (!this.previous) {
      if (await store.isEmpty()) {
        await store.record(at, await this.diff(emptyView(), current), {
          baseline: true,
        });
        this.previous = current;
        return;
      }
      const stored = await store.loadState();
      const transitions = await this.diff(stored, current, {
        present: ref => snapshot.entities.has(ref),
      });
      if (transitions.length) await store.record(at, transitions);
      this.previous = current;
      return;
    }
    const transitions = await this.diff(this.previous, current);
    if (transitions.length) await store.record(at, transitions);
    this.previous = current;
  }

  private async view(snapshot: GraphSnapshot): Promise<View> {
    const contracts = new Map<string, RecordedContract>();
    let n = 0;
    for (const [ref, stored] of snapshot.entities) {
      const contract = stored.contract;
      if (!contract) continue;
      let rec = this.recorded.get(contract);
      if (!rec) {
        const stripped = stripContract(contract);
        rec = { hash: contractHash(stripped), contract: stripped };
        this.recorded.set(contract, rec);
        if (++n % 200 === 0) await nextTurn();
      }
      contracts.set(ref.toLowerCase(), rec);
    }
    const findings = new Map<string, HistoryFinding>();
    for (const f of snapshot.result.findings) findings.set(f.id, f);
    return { contracts, findings };
  }

  /**
   * The transitions from `before` to `after`. With `present` (a first snapshot against the
   * stored state), what is gone is only what belongs to entities the snapshot has.
   */
  private async diff(
    before: View,
    after: View,
    options: { present?: (ref: string) => boolean } = {},
  ): Promise<HistoryTransition[]> {
    const { present } = options;
    const out: HistoryTransition[] = [];
    let n = 0;
    const step = async () => {
      if (++n % STEP === 0) await nextTurn();
    };
    for (const [ref, now] of after.contracts) {
      const was = before.contracts.get(ref);
      if (was?.hash !== now.hash) {
        const { changes, more } = contractChanges(was?.contract, now.contract);
        out.push({
          type: 'contract',
          entityRef: ref,
          before: was,
          after: now,
          changes,
          more,
        });
      }
      await step();
    }
    for (const [ref, was] of before.contracts) {
      if (!after.contracts.has(ref) && (!present || present(ref))) {
        out.push({
          type: 'contract',
          entityRef: ref,
          before: was,
          changes: [],
          more: 0,
        });
      }
      await step();
    }
    for (const [id, now] of after.findings) {
      const was = before.findings.get(id);
      if (!was || was.evidence !== now.evidence) {
        out.push({
          type: 'finding',
          before: was && toHistoryFinding(was),
          after: toHistoryFinding(now),
        });
      }
      await step();
    }
    for (const [id, was] of before.findings) {
      if (
        !after.findings.has(id) &&
        (!present || present(was.consumer.toLowerCase()))
      ) {
        out.push({ type: 'finding', before: toHistoryFinding(was) });
      }
      await step();
    }
    return out;
  }
}

function emptyView(): View {
  return { contracts: new Map(), findings: new Map() };
}
