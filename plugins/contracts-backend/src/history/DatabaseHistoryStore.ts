import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import type {
  ContractRow,
  FindingRow,
  HistoryContractChange,
  HistoryFinding,
  HistoryFindingChange,
  HistoryItem,
  HistoryPosition,
  HistoryRows,
} from './types';
import type { DigestSum, StateDigest } from './stateDigest';

const CHANGES = 'contracts_history_changes';
const EVENTS = 'contracts_history_events';
const ENTITIES = 'contracts_history_entities';
const FINDINGS = 'contracts_history_findings';
const BASELINE = 'contracts_history_baseline';
/**
 * How long a baseline's writer holds it without writing a batch (each renews it): then another
 * recorder may take it over (the writer is taken for gone, its rows deleted and written again).
 */
const BASELINE_LEASE_MS = 60_000;
const DECISIONS = 'contracts_decisions';
const DECISION_EVENTS = 'contracts_decision_events';
/** Rows per insert and ids per `where in` (well under both databases' bound on parameters). */
const CHUNK = 200;

const migrationsDir = resolvePackagePath(
  '@backstage-contracts/plugin-contracts-backend',
  'migrations',
);

interface EventRow {
  id: number | string;
  change_id: number | string;
  kind: 'contract' | 'opened' | 'closed' | 'changed';
  entity_ref: string | null;
  finding_id: string | null;
  consumer: string | null;
  provider: string | null;
  hash: string | null;
  previous_hash: string | null;
  body: string;
}

interface DecisionEventRow {
  seq: number | string;
  at: string;
  kind: 'recorded' | 'signed' | 'withdrawn';
  decision_id: string;
  finding_id: string;
  decider: string | null;
  verdict: 'accept' | 'reject' | null;
  actor: string;
  rule: string;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
}

const lower = (ref: string) => ref.toLowerCase();

/** Text per insert: a statement of contracts' JSON (≈ 1 kB each) built and bound in a short task. */
const CHUNK_BYTES = 64 * 1024;

/**
 * `list` in chunks of at most `size` items and (with `bytes`: each item's size) about
 * {@link CHUNK_BYTES} (at least one item). Rows of 200 contracts made statements whose building
 * (knex) and binding (pg) took 27 ms of a task in bench:scale's 100k recompute window.
 */
function chunks<T>(
  list: T[],
  size = CHUNK,
  bytes?: (item: T) => number,
): T[][] {
  const out: T[][] = [];
  let part: T[] = [];
  let sum = 0;
  for (const item of list) {
    if (part.length >= size || (part.length && sum >= CHUNK_BYTES)) {
      out.push(part);
      part = [];
      sum = 0;
    }
    part.push(item);
    if (bytes) sum += bytes(item);
  }
  if (part.length) out.push(part);
  return out;
}

/** What a contract event did: a contract appeared, went, or changed. */
function changeOf(r: EventRow): HistoryContractChange['change'] {
  if (!r.previous_hash) return 'added';
  return r.hash ? 'changed' : 'removed';
}

/**
 * `rows` in the order of their keys by code units (localeCompare's collation took 17 ms of a
 * 43 ms task for a 10k baseline): as they come when they are (the recorder has them ordered in
 * the worker, ./historyWork.ts' historyOrder: a sort of 100k refs took 46-94 ms of this thread),
 * only checked here.
 */
function inOrder<T>(rows: T[], key: (row: T) => string): T[] {
  for (let i = 1; i < rows.length; i++) {
    if (key(rows[i - 1]) > key(rows[i])) {
      return rows
        .map((r): [string, T] => [key(r), r])
        .sort(([a], [b]) => Number(a > b) - Number(a < b))
        .map(([, r]) => r);
    }
  }
  return rows;
}

function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY';
}

/**
 * The contract history in the plugin's database (SQLite, PostgreSQL), through knex: the state
 * last recorded, the changes, and the entity's history with its decision events.
 * @public
 */
export class DatabaseHistoryStore {
  /** Connects to the plugin database and, unless `migrations.skip`, runs the migrations. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseHistoryStore> {
    const { database } = options;
    const client = await database.getClient();
    if (!(options.skipMigrations ?? database.migrations?.skip)) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseHistoryStore(client);
  }

  /** On a connection whose migrations have run ({@link create} runs them). */
  constructor(private readonly db: Knex) {}

  /**
   * Whether the baseline (the first recording ever) is complete: until it is, the first
   * recompute is the baseline. (Rows without it are a baseline being written, or one cut off.)
   */
  async hasBaseline(): Promise<boolean> {
    const row = await this.db(BASELINE)
      .select('completed_at')
      .where('id', 1)
      .first();
    return Boolean(row?.completed_at);
  }

  /**
   * The state last recorded, page by page in the order of its keys: per page, `size` contracts'
   * lower-cased refs and hashes (`contracts`) or open findings' ids and evidence hashes
   * (`findings`). In pages, so that reading 136k rows (100k entities) is many short tasks of
   * this thread, and they are handed on (to the worker, which compares them) as they come. The
   * contracts and findings themselves are read by {@link DatabaseHistoryStore.loadContracts} and
   * {@link DatabaseHistoryStore.loadFindings}, for those that changed.
   */
  async *statePages(
    kind: 'contracts' | 'findings',
    size = 5000,
  ): AsyncGenerator<[string[], string[]]> {
    const [table, key, hash] =
      kind === 'contracts'
        ? [ENTITIES, 'entity_ref', 'hash']
        : [FINDINGS, 'finding_id', 'evidence_hash'];
    let after: string | undefined;
    for (;;) {
      const query = this.db(table).select(key, hash).orderBy(key).limit(size);
      if (after !== undefined) query.where(key, '>', after);
      const rows: Array<Record<string, string>> = await query;
      if (!rows.length) return;
      yield [rows.map(r => r[key]), rows.map(r => r[hash])];
      if (rows.length < size) return;
      after = rows[rows.length - 1][key];
    }
  }

  /**
   * The state last recorded, digested as a snapshot's is (./stateDigest: per contract its
   * entity key and hash, per open finding its id and evidence hash): on PostgreSQL in one query,
   * without reading the rows; undefined on other databases.
   */
  async stateDigest(): Promise<StateDigest | undefined> {
    const client = String(this.db.client.config.client);
    if (!['pg', 'postgres', 'postgresql'].includes(client)) return undefined;
    // the four 32-bit words of md5(pair), each as an unsigned integer, summed exactly
    const words = (pair: string) =>
      [1, 9, 17, 25]
        .map(
          (at, i) =>
            `coalesce(sum(('x' || lpad(substr(md5(${pair}), ${at}, 8), 16, '0'))::bit(64)::bigint), 0)::text as w${i}`,
        )
        .join(', ');
    const sums = (pair: string) => this.db.raw(`count(*) as n, ${words(pair)}`);
    const [c, f] = await Promise.all([
      this.db(ENTITIES)
        .select(sums(`entity_ref || ' ' || hash`))
        .whereNotNull('hash')
        .first(),
      this.db(FINDINGS)
        .select(sums(`finding_id || ' ' || evidence_hash`))
        .whereNotNull('evidence_hash')
        .first(),
    ]);
    const sum = (r: Record<string, string | number>): DigestSum => ({
      count: Number(r.n),
      words: [Number(r.w0), Number(r.w1), Number(r.w2), Number(r.w3)],
    });
    return { contracts: sum(c), findings: sum(f) };
  }

  /** The open findings recorded with these ids, as stored (JSON: compared in the worker). */
  async loadFindings(ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(ids)) {
      const rows = await this.db(FINDINGS)
        .select('finding_id', 'finding')
        .whereIn('finding_id', part);
      for (const r of rows) out.set(r.finding_id, r.finding);
    }
    return out;
  }

  /**
   * The contracts recorded for these lower-cased refs, as stored (stripped, JSON: compared in the
   * worker).
   */
  async loadContracts(refs: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks(refs)) {
      const rows = await this.db(ENTITIES)
        .select('entity_ref', 'contract')
        .whereIn('entity_ref', part);
      for (const r of rows) out.set(r.entity_ref, r.contract);
    }
    return out;
  }

  /**
   * Records the rows of one recompute (made in the worker: ./historyWork.ts), at `at`. Each is
   * recorded only when the state stored is still the one it starts from (another replica may
   * have recorded it already): the state moves and the events are written in one transaction.
   * Returns the change's id, if any, and the number of events written.
   */
  async record(
    at: string,
    rows: HistoryRows,
  ): Promise<{ changeId?: number; events: number }> {
    // in one order for every replica (rows are locked in it): contracts, then findings
    const contracts = inOrder(rows.contracts, c => c.ref);
    const findings = inOrder(rows.findings, f => f.id);
    return this.retried(trx => this.recordIn(trx, at, contracts, findings));
  }

  /**
   * Records the baseline (the first recompute ever, in a store without one): every row of
   * `batches` (all new: contracts, then findings, each in the order of their keys, as every
   * replica writes them) inserted as it comes, each batch in a transaction of its own, and the
   * baseline marked complete at the end; no change is written. Batch by batch, so that a 100k
   * catalog's rows (≈ 100 MB) are not all held at once (held, their many small objects made the
   * main thread's scavenges 15-45 ms), and no transaction is held while the worker prepares the
   * next (one over the whole baseline was ~8 s at 100k). One recorder writes it at a time (a
   * lease each batch renews): false when another does, or has completed it. Rows left by one
   * cut off (a crash, or a failure: then its lease is given back at once) are deleted first.
   */
  async recordBaseline(
    batches: () => AsyncIterable<HistoryRows>,
  ): Promise<boolean> {
    const writer = randomUUID();
    const now = Date.now();
    await this.db(BASELINE)
      .insert({ id: 1, writer: null, expires_at: 0, completed_at: null })
      .onConflict('id')
      .ignore();
    const taken = await this.db(BASELINE)
      .where('id', 1)
      .whereNull('completed_at')
      .where(w => w.whereNull('writer').orWhere('expires_at', '<', now))
      .update({ writer, expires_at: now + BASELINE_LEASE_MS });
    if (!taken) return false;
    /** `fn` in a transaction, while this writer holds the baseline (its lease renewed). */
    const holding = (fn: (trx: Knex.Transaction) => Promise<void>) =>
      this.retried(async trx => {
        const held = await trx(BASELINE)
          .where({ id: 1, writer })
          .whereNull('completed_at')
          .update({ expires_at: Date.now() + BASELINE_LEASE_MS });
        if (!held) throw new Error('the history baseline was taken over');
        await fn(trx);
      });
    try {
      // (what a baseline cut off left)
      await holding(async trx => {
        await trx(ENTITIES).delete();
        await trx(FINDINGS).delete();
      });
      let last = '';
      for await (const { contracts, findings } of batches()) {
        for (const key of [
          ...contracts.map(c => `0 ${c.ref}`),
          ...findings.map(f => `1 ${f.id}`),
        ]) {
          if (key <= last)
            throw new Error(`baseline rows out of order: ${key}`);
          last = key;
        }
        await holding(async trx => {
          await this.insertNew(trx, contracts, findings);
        });
      }
      await holding(async trx => {
        await trx(BASELINE)
          .where({ id: 1, writer })
          .update({ writer: null, completed_at: new Date().toISOString() });
      });
      return true;
    } catch (error) {
      // given back, for the next recompute to write it again
      await this.db(BASELINE)
        .where({ id: 1, writer })
        .whereNull('completed_at')
        .update({ writer: null, expires_at: 0 })
        .catch(() => undefined);
      throw error;
    }
  }

  /** `fn` in a transaction, tried again (up to three times) when it was chosen as a deadlock's victim. */
  private async retried<T>(
    fn: (trx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(fn);
      } catch (error) {
        if (attempt >= 3 || !isDeadlock(error)) throw error;
      }
    }
  }

  /**
   * Inserts the new rows of `contracts` and `findings` (those without `before`) where no replica
   * inserted them first: the keys inserted. Every statement is of at most {@link CHUNK} rows and
   * about {@link CHUNK_BYTES} of JSON (its building and binding, on this thread, a short task).
   */
  private async insertNew(
    trx: Knex.Transaction,
    contracts: ContractRow[],
    findings: FindingRow[],
  ) {
    const insertedRefs = new Set<string>();
    const newContracts = contracts.filter(c => !c.before && c.after);
    for (const part of chunks(newContracts, CHUNK, c => c.after!.json.length)) {
      const inserted = await trx(ENTITIES)
        .insert(
          part.map(c => ({
            entity_ref: c.ref,
            hash: c.after!.hash,
            contract: c.after!.json,
          })),
        )
        .onConflict('entity_ref')
        .ignore()
        .returning('entity_ref');
      for (const r of inserted) insertedRefs.add(r.entity_ref ?? r);
    }
    const insertedFindings = new Set<string>();
    const newFindings = findings.filter(f => !f.before && f.after);
    for (const part of chunks(newFindings, CHUNK, f => f.after!.json.length)) {
      const inserted = await trx(FINDINGS)
        .insert(
          part.map(f => ({
            finding_id: f.id,
            evidence_hash: f.after!.evidence,
            finding: f.after!.json,
          })),
        )
        .onConflict('finding_id')
        .ignore()
        .returning('finding_id');
      for (const r of inserted) insertedFindings.add(r.finding_id ?? r);
    }
    return { insertedRefs, insertedFindings };
  }

  /**
   * {@link record}'s transaction: the new rows inserted, then only the rows that move stored
   * ones (each a statement) and the events are gone through.
   */
  private async recordIn(
    trx: Knex.Transaction,
    at: string,
    contracts: ContractRow[],
    findings: FindingRow[],
  ): Promise<{ changeId?: number; events: number }> {
    const events: Array<Omit<EventRow, 'id' | 'change_id'>> = [];
    const { insertedRefs, insertedFindings } = await this.insertNew(
      trx,
      contracts,
      findings,
    );
    for (const c of contracts) {
      let moved: boolean;
      if (!c.before) {
        moved = insertedRefs.has(c.ref);
      } else if (c.after) {
        moved =
          (await trx(ENTITIES)
            .where({ entity_ref: c.ref, hash: c.before })
            .update({ hash: c.after.hash, contract: c.after.json })) > 0;
      } else {
        moved =
          (await trx(ENTITIES)
            .where({ entity_ref: c.ref, hash: c.before })
            .delete()) > 0;
      }
      if (moved) {
        events.push({
          kind: 'contract',
          entity_ref: c.ref,
          finding_id: null,
          consumer: null,
          provider: null,
          hash: c.after?.hash ?? null,
          previous_hash: c.before ?? null,
          body: c.body,
        });
      }
    }
    for (const f of findings) {
      let moved: boolean;
      let kind: EventRow['kind'];
      if (!f.before) {
        kind = 'opened';
        moved = insertedFindings.has(f.id);
      } else if (f.after) {
        kind = 'changed';
        moved =
          (await trx(FINDINGS)
            .where({ finding_id: f.id, evidence_hash: f.before })
            .update({
              evidence_hash: f.after.evidence,
              finding: f.after.json,
            })) > 0;
      } else {
        kind = 'closed';
        moved =
          (await trx(FINDINGS)
            .where({ finding_id: f.id, evidence_hash: f.before })
            .delete()) > 0;
      }
      if (moved) {
        events.push({
          kind,
          entity_ref: null,
          finding_id: f.id,
          consumer: f.consumer,
          provider: f.provider,
          hash: f.after?.evidence ?? null,
          previous_hash: f.before ?? null,
          body: f.body,
        });
      }
    }
    if (!events.length) return { events: 0 };
    const [row] = await trx(CHANGES).insert({ at }).returning('id');
    const changeId = Number(typeof row === 'object' ? row.id : row);
    for (const part of chunks(events, CHUNK, e => e.body.length)) {
      await trx(EVENTS).insert(part.map(e => ({ ...e, change_id: changeId })));
    }
    return { changeId, events: events.length };
  }

  /**
   * An entity's history, newest first: the changes that involve it (its contract, findings
   * where it is a party, with the contract changes of the other parties in the same change)
   * and the events of decisions on its findings. `after`: the last item of the previous page.
   * Returns at most `limit` items and, when there are more, the last one's position.
   */
  async list(
    entityRef: string,
    options: { after?: HistoryPosition; limit: number },
  ): Promise<{ items: HistoryItem[]; next?: HistoryPosition }> {
    const ref = lower(entityRef);
    const { after, limit } = options;
    /** Rows after the cursor in the order (at, rank, id) descending, for a stream of `rank`. */
    const afterCursor = (
      q: Knex.QueryBuilder,
      rank: 0 | 1,
      atCol: string,
      idCol: string,
    ) => {
      if (!after) return q;
      if (rank < after.rank) return q.where(atCol, '<=', after.at);
      if (rank > after.rank) return q.where(atCol, '<', after.at);
      return q.where(w =>
        w
          .where(atCol, '<', after.at)
          .orWhere(w2 => w2.where(atCol, after.at).where(idCol, '<', after.id)),
      );
    };
    const involving = this.db(EVENTS)
      .select('change_id')
      .where('entity_ref', ref)
      .orWhere('consumer', ref)
      .orWhere('provider', ref);
    const changes: Array<{ id: number | string; at: string }> =
      await afterCursor(
        this.db(CHANGES).select('id', 'at').whereIn('id', involving),
        1,
        'at',
        'id',
      )
        .orderBy([
          { column: 'at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(limit + 1);
    const decisionRows: DecisionEventRow[] = await afterCursor(
      this.db(`${DECISION_EVENTS} as e`)
        .join(`${DECISIONS} as d`, 'd.id', 'e.decision_id')
        .select(
          'e.seq',
          'e.at',
          'e.kind',
          'e.decision_id',
          'e.finding_id',
          'e.decider',
          'e.verdict',
          'e.actor',
          'd.rule',
          'd.consumer',
          'd.provider',
          'd.subject',
          'd.title',
        )
        // a rejection carried over to a superseding record is no new decision
        .whereNull('e.carried_from')
        .where(w => w.where('d.consumer', ref).orWhere('d.provider', ref)),
      0,
      'e.at',
      'e.seq',
    )
      .orderBy([
        { column: 'e.at', order: 'desc' },
        { column: 'e.seq', order: 'desc' },
      ])
      .limit(limit + 1);

    type Entry = HistoryPosition & { item: () => HistoryItem };
    const entries: Entry[] = [
      ...changes.map(c => ({
        at: c.at,
        rank: 1 as const,
        id: Number(c.id),
        item: () => ({
          type: 'change' as const,
          id: String(c.id),
          at: c.at,
          contracts: [],
          findings: [],
        }),
      })),
      ...decisionRows.map(d => ({
        at: d.at,
        rank: 0 as const,
        id: Number(d.seq),
        item: (): HistoryItem => ({
          type: 'decision',
          id: String(d.seq),
          at: d.at,
          event: d.kind,
          decisionId: d.decision_id,
          findingId: d.finding_id,
          rule: d.rule,
          consumer: d.consumer,
          provider: d.provider,
          subject: d.subject,
          title: d.title,
          actor: d.actor,
          ...(d.decider ? { decider: d.decider } : {}),
          ...(d.verdict ? { verdict: d.verdict } : {}),
        }),
      })),
    ];
    entries.sort(
      (a, b) => b.at.localeCompare(a.at) || b.rank - a.rank || b.id - a.id,
    );
    const picked = entries.slice(0, limit);
    const items = picked.map(e => e.item());
    await this.fillChanges(
      ref,
      items.filter(
        (i): i is Extract<HistoryItem, { type: 'change' }> =>
          i.type === 'change',
      ),
    );
    const last = picked[picked.length - 1];
    return {
      items,
      ...(entries.length > limit && last
        ? { next: { at: last.at, rank: last.rank, id: last.id } }
        : {}),
    };
  }

  /** The events of these changes that concern `ref`, and its counterparts' contract changes. */
  private async fillChanges(
    ref: string,
    items: Array<Extract<HistoryItem, { type: 'change' }>>,
  ) {
    if (!items.length) return;
    const byId = new Map(items.map(i => [Number(i.id), i]));
    const ids = [...byId.keys()];
    const rows: EventRow[] = await this.db(EVENTS)
      .whereIn('change_id', ids)
      .where(w =>
        w
          .where('entity_ref', ref)
          .orWhere('consumer', ref)
          .orWhere('provider', ref),
      )
      .orderBy('id', 'asc');
    const counterparts = new Map<number, Set<string>>();
    for (const r of rows) {
      if (r.kind === 'contract') continue;
      const set = counterparts.get(Number(r.change_id)) ?? new Set<string>();
      for (const party of [r.consumer, r.provider]) {
        if (party && party !== ref) set.add(party);
      }
      counterparts.set(Number(r.change_id), set);
    }
    const others = [
      ...new Set([...counterparts.values()].flatMap(s => [...s])),
    ];
    const otherRows: EventRow[] = [];
    for (const part of chunks(others)) {
      otherRows.push(
        ...(await this.db(EVENTS)
          .whereIn('change_id', ids)
          .where('kind', 'contract')
          .whereIn('entity_ref', part)),
      );
    }
    const contractRows = [
      ...rows.filter(r => r.kind === 'contract'),
      ...otherRows.filter(r =>
        counterparts.get(Number(r.change_id))?.has(r.entity_ref!),
      ),
    ];
    for (const r of contractRows) {
      const body = JSON.parse(r.body);
      const change: HistoryContractChange = {
        entityRef: r.entity_ref!,
        change: changeOf(r),
        ...(r.hash ? { hash: r.hash } : {}),
        ...(r.previous_hash ? { previousHash: r.previous_hash } : {}),
        changes: body.changes ?? [],
        more: body.more ?? 0,
      };
      // the entity's own change first
      if (r.entity_ref === ref)
        byId.get(Number(r.change_id))!.contracts.unshift(change);
      else byId.get(Number(r.change_id))!.contracts.push(change);
    }
    for (const r of rows) {
      if (r.kind === 'contract') continue;
      const body = JSON.parse(r.body) as {
        before?: HistoryFinding;
        after?: HistoryFinding;
      };
      const finding = (body.after ?? body.before)!;
      const change: HistoryFindingChange = {
        change: r.kind,
        finding,
        ...(r.kind === 'changed' && body.before
          ? {
              previous: {
                evidence: body.before.evidence,
                expected: body.before.expected,
                actual: body.before.actual,
                severity: body.before.severity,
              },
            }
          : {}),
      };
      byId.get(Number(r.change_id))!.findings.push(change);
    }
  }

  /**
   * Deletes the changes recorded before `before` (ISO time), then the oldest changes beyond
   * `maxEvents` events in all. Returns how many changes were deleted.
   */
  async prune(options: { before: string; maxEvents: number }): Promise<number> {
    let deleted = 0;
    const drop = async (ids: number[]) => {
      for (const part of chunks(ids)) {
        deleted += await this.db.transaction(async (trx): Promise<number> => {
          await trx(EVENTS).whereIn('change_id', part).delete();
          return await trx(CHANGES).whereIn('id', part).delete();
        });
      }
    };
    const old = await this.db(CHANGES)
      .select('id')
      .where('at', '<', options.before);
    await drop(old.map(r => Number(r.id)));
    const [{ count }] = await this.db(EVENTS).count({ count: '*' });
    let excess = Number(count) - options.maxEvents;
    if (excess > 0) {
      // the oldest changes until the excess is gone
      const perChange = (await this.db(EVENTS)
        .select('change_id')
        .count({ n: '*' })
        .groupBy('change_id')
        .orderBy('change_id', 'asc')) as unknown as Array<{
        change_id: number | string;
        n: number | string;
      }>;
      const ids: number[] = [];
      for (const r of perChange) {
        if (excess <= 0) break;
        ids.push(Number(r.change_id));
        excess -= Number(r.n);
      }
      await drop(ids);
    }
    return deleted;
  }
}
