/*
 * The history's CPU work, made where the contracts are parsed (the analysis worker's
 * `prepareHistory` and `historyOrder`): the main thread sends texts and hashes, and receives the
 * rows the store writes as ready strings. At 100k entities this was the largest main-thread cost
 * of recording (the baseline's one task 678 ms; a recompute's diff of 1,000 changed contracts
 * 301 ms). Pure functions: the recorder calls them itself when there is no worker.
 */
import type {
  EntityContract,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
import { contractChanges, strippedJson } from './contractChanges';
import type {
  ContractRow,
  FindingRow,
  HistoryFinding,
  StrippedContract,
} from './types';

/** A contract event's body when nothing is compared (the baseline's, a removal's). */
export const NO_CHANGES = JSON.stringify({ changes: [], more: 0 });

/**
 * One contract that is new or changed, to be stripped and compared. `before`: its previous
 * version, either as the store holds it (stripped JSON) or as a snapshot's entity JSON
 * (`{"summary":…,"contract":…}`, LazyEntity.json()); absent: new. `after`: the hash it has in
 * the snapshot recorded, and that snapshot's entity JSON unless the worker's own contract of
 * `key` is asked for (answered null when the worker's hash is another: it has moved on).
 */
export interface ContractWork {
  key: string;
  before?: { hash: string; stored?: string; entity?: string };
  after: { hash: string; entity?: string };
}

/**
 * One finding opened, changed or closed: its JSON before and after (a snapshot's, as the engine
 * wrote it, or the store's, as the history keeps it).
 */
export interface FindingWork {
  before?: string;
  after?: string;
}

/** What is prepared at once (a batch: its answer a few hundred kilobytes at most). */
export interface HistoryWork {
  contracts: ContractWork[];
  findings: FindingWork[];
  /** The baseline: nothing is compared, no event written (no bodies made). */
  baseline?: boolean;
}

/** Where a string is in a {@link PreparedHistory}'s `text`: its start and end. */
type Place = [number, number];

/**
 * The rows of a {@link HistoryWork} as the worker answers them: their JSON strings (contracts,
 * findings, event bodies) one after the other in `text`, which the main thread receives as one
 * large string (outside the young generation's copying) and slices ({@link historyRows}). As
 * separate strings, the 100k rows of a baseline (≈ 100 MB) were copied by the main thread's
 * scavenges: pauses of 15-18 ms.
 */
export interface PreparedHistory {
  text: string;
  /** Per contract work, its row; null: the worker's contract is not the one asked for. */
  contracts: Array<
    | (Omit<ContractRow, 'after' | 'body'> & {
        after?: { hash: string; json: Place };
        body: Place;
      })
    | null
  >;
  findings: Array<
    Omit<FindingRow, 'after' | 'body'> & {
      after?: { evidence: string; json: Place };
      body: Place;
    }
  >;
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

/** An entity's contract, from its JSON: stripped JSON and hash. */
function fromEntity(json: string): [string, string] | undefined {
  const { contract } = JSON.parse(json) as { contract?: EntityContract };
  return contract ? strippedJson(contract) : undefined;
}

/**
 * The rows of `work`. `own`: the worker's entity of a key (its contract and hash), for the
 * contracts sent without their text.
 */
export function prepareHistory(
  work: HistoryWork,
  own: (
    key: string,
  ) => { contract?: EntityContract; contractHash?: string } | undefined,
): PreparedHistory {
  return placed(rowsOf(work, own));
}

/** `rows` as the worker answers them: their strings one after the other in one text. */
export function placed(rows: {
  contracts: Array<ContractRow | null>;
  findings: FindingRow[];
}): PreparedHistory {
  let text = '';
  const place = (json: string): Place => {
    const start = text.length;
    text += json;
    return [start, text.length];
  };
  const contracts = rows.contracts.map(
    c =>
      c && {
        ...c,
        after: c.after && { hash: c.after.hash, json: place(c.after.json) },
        body: place(c.body),
      },
  );
  const findings = rows.findings.map(f => ({
    ...f,
    after: f.after && { evidence: f.after.evidence, json: place(f.after.json) },
    body: place(f.body),
  }));
  return { text, contracts, findings };
}

/** A baseline's row of an entity's contract. */
export function baselineContract(
  key: string,
  contract: EntityContract,
): ContractRow {
  const [hash, json] = strippedJson(contract);
  return { ref: key, after: { hash, json }, body: NO_CHANGES };
}

/** A baseline's row of an open finding (no event: no body). */
export function baselineFinding(finding: HistoryFinding | Finding): FindingRow {
  const f = toHistoryFinding(finding);
  return {
    id: f.id,
    consumer: f.consumer.toLowerCase(),
    provider: f.provider.toLowerCase(),
    after: { evidence: f.evidence, json: JSON.stringify(f) },
    body: '',
  };
}

/** The rows of a prepared answer, their strings sliced from its text. */
export function historyRows(prepared: PreparedHistory): {
  contracts: Array<ContractRow | null>;
  findings: FindingRow[];
} {
  const { text } = prepared;
  const at = ([start, end]: Place) => text.slice(start, end);
  return {
    contracts: prepared.contracts.map(
      c =>
        c && {
          ...c,
          after: c.after && { hash: c.after.hash, json: at(c.after.json) },
          body: at(c.body),
        },
    ),
    findings: prepared.findings.map(f => ({
      ...f,
      after: f.after && { evidence: f.after.evidence, json: at(f.after.json) },
      body: at(f.body),
    })),
  };
}

/** The rows of `work`, each with its strings. */
function rowsOf(
  work: HistoryWork,
  own: Parameters<typeof prepareHistory>[1],
): { contracts: Array<ContractRow | null>; findings: FindingRow[] } {
  const contracts = work.contracts.map((c): ContractRow | null => {
    let now: [string, string] | undefined;
    if (c.after.entity !== undefined) now = fromEntity(c.after.entity);
    else {
      const mine = own(c.key);
      if (mine?.contract && mine.contractHash === c.after.hash) {
        now = strippedJson(mine.contract);
      }
    }
    if (!now || now[0] !== c.after.hash) return null;
    const after = { hash: now[0], json: now[1] };
    if (work.baseline) return { ref: c.key, after, body: NO_CHANGES };
    // compared in the stored form's key order (stableStringify's): the same for either source
    let was: StrippedContract | undefined;
    if (c.before?.stored !== undefined) was = JSON.parse(c.before.stored);
    else if (c.before?.entity !== undefined) {
      const made = fromEntity(c.before.entity);
      was = made && JSON.parse(made[1]);
    }
    const { changes, more } = contractChanges(was, JSON.parse(after.json));
    return {
      ref: c.key,
      ...(c.before && was ? { before: c.before.hash } : {}),
      after,
      body: JSON.stringify({ changes, more }),
    };
  });
  const findings = work.findings.map((w): FindingRow => {
    const before =
      w.before === undefined
        ? undefined
        : toHistoryFinding(JSON.parse(w.before));
    const after =
      w.after === undefined ? undefined : toHistoryFinding(JSON.parse(w.after));
    const f = (after ?? before)!;
    return {
      id: f.id,
      consumer: f.consumer.toLowerCase(),
      provider: f.provider.toLowerCase(),
      ...(before ? { before: before.evidence } : {}),
      ...(after
        ? { after: { evidence: after.evidence, json: JSON.stringify(after) } }
        : {}),
      body: work.baseline ? '' : JSON.stringify({ after, before }),
    };
  });
  return { contracts, findings };
}

/**
 * The order of `keys` (by code units, as the store writes rows: one order on every replica, so
 * that two never wait on each other's locks): their indices, sorted. Made here for the
 * baseline's 100k+ keys (a sort of 100k refs took 46-94 ms of a thread).
 */
export function historyOrder(keys: string[]): Uint32Array {
  const order = Uint32Array.from(keys.keys());
  return order.sort(
    (a, b) => Number(keys[a] > keys[b]) - Number(keys[a] < keys[b]),
  );
}

/**
 * The order of `keys` from the orders of its runs (each run: the keys from `from`, its
 * {@link historyOrder}), merged as it is read: `next(n)` gives the indices of the next `n` keys
 * (unique) in order.
 */
export function mergedOrder(
  keys: readonly string[],
  runs: Array<{ from: number; order: Uint32Array }>,
): (n: number) => number[] {
  const at = runs.map(() => 0);
  const head = (r: number) => keys[runs[r].from + runs[r].order[at[r]]];
  return n => {
    const out: number[] = [];
    while (out.length < n) {
      let min = -1;
      for (let r = 0; r < runs.length; r++) {
        if (at[r] < runs[r].order.length && (min < 0 || head(r) < head(min))) {
          min = r;
        }
      }
      if (min < 0) break;
      out.push(runs[min].from + runs[min].order[at[min]++]);
    }
    return out;
  };
}
