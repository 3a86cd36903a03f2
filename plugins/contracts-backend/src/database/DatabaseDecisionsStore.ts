import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { deriveDecisionStatus } from '@backstage-contracts/plugin-contracts-common';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  type Decision,
  type DecisionChange,
  type DecisionSignature,
  type DecisionsQuery,
  type DecisionsStore,
  IdempotencyKeyReusedError,
  type NewDecision,
  type NewSignature,
  type RecordedDecisionStatus,
} from './DecisionsStore';

const TABLE = 'contracts_decisions';
const EVENTS = 'contracts_decision_events';
/** Ids per `where in` (well under SQLite's and PostgreSQL's bound on parameters). */
const CHUNK = 500;

const migrationsDir = resolvePackagePath(
  '@backstage-contracts/plugin-contracts-backend',
  'migrations',
);

/** A row of `contracts_decisions`, joined with the id of its successor. */
interface DecisionRow {
  id: string;
  finding_id: string;
  evidence_hash: string;
  rule: string;
  consumer: string;
  provider: string;
  subject: string;
  title: string;
  context: string | null;
  options: string;
  decision: string;
  rationale: string;
  deciders: string;
  status: RecordedDecisionStatus;
  review_by: string | null;
  supersedes: string | null;
  recorded_by: string;
  recorded_at: string;
  idempotency_key: string | null;
  required_deciders: string | null;
  request_hash: string | null;
  superseded_by?: string | null;
}

/** A row of `contracts_decision_events`. */
interface EventRow {
  seq: number | string;
  decision_id: string;
  finding_id: string;
  kind: 'recorded' | 'signed' | 'withdrawn';
  decider: string | null;
  verdict: 'accept' | 'reject' | null;
  actor: string;
  at: string;
  carried_from: string | null;
}

function toDecision(
  row: DecisionRow,
  events: Array<Omit<EventRow, 'seq'>>,
): Decision {
  const signatures: DecisionSignature[] = [];
  let withdrawn: Omit<EventRow, 'seq'> | undefined;
  for (const e of events) {
    if (e.kind === 'signed' && e.decider && e.verdict) {
      const sig: DecisionSignature = {
        decider: e.decider,
        verdict: e.verdict,
        signedBy: e.actor,
        signedAt: e.at,
      };
      if (e.carried_from) sig.carriedFrom = e.carried_from;
      signatures.push(sig);
    } else if (e.kind === 'withdrawn') {
      withdrawn ??= e;
    }
  }
  // records made before deciders came from the engine have none that count
  const deciders: string[] =
    row.required_deciders === null ? [] : JSON.parse(row.required_deciders);
  const { status, awaiting } = deriveDecisionStatus({
    deciders,
    signatures,
    superseded: Boolean(row.superseded_by),
    withdrawn: Boolean(withdrawn),
  });
  const d: Decision = {
    id: row.id,
    findingId: row.finding_id,
    evidenceHash: row.evidence_hash,
    rule: row.rule,
    consumer: row.consumer,
    provider: row.provider,
    subject: row.subject,
    title: row.title,
    options: JSON.parse(row.options),
    decision: row.decision,
    rationale: row.rationale,
    deciders,
    signatures,
    awaiting,
    status,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
  if (row.context !== null) d.context = row.context;
  if (row.review_by !== null) d.reviewBy = row.review_by;
  if (row.supersedes !== null) d.supersedes = row.supersedes;
  if (row.superseded_by) d.supersededBy = row.superseded_by;
  if (withdrawn) {
    d.withdrawnBy = withdrawn.actor;
    d.withdrawnAt = withdrawn.at;
  }
  return d;
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'ER_DUP_ENTRY' ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

/** The change-log event of a new record. */
const recorded = (
  row: Pick<DecisionRow, 'id' | 'finding_id' | 'recorded_by' | 'recorded_at'>,
): Omit<EventRow, 'seq'> => ({
  decision_id: row.id,
  finding_id: row.finding_id,
  kind: 'recorded',
  decider: null,
  verdict: null,
  actor: row.recorded_by,
  at: row.recorded_at,
  carried_from: null,
});

const tooMany = (findingId: string, count: unknown) =>
  new ConflictError(
    `The finding ${findingId} has ${count} decision records, the most allowed (contracts.decisions.maxPerFinding); supersede one instead of adding another`,
  );

/**
 * Decision records in the plugin's database (SQLite, PostgreSQL), through knex.
 * @public
 */
export class DatabaseDecisionsStore implements DecisionsStore {
  /** Connects to the plugin database and, unless `migrations.skip`, runs the migrations. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseDecisionsStore> {
    const { database } = options;
    const client = await database.getClient();
    if (!(options.skipMigrations ?? database.migrations?.skip)) {
      await DatabaseDecisionsStore.migrateUp(client);
    }
    return new DatabaseDecisionsStore(client);
  }

  /** Applies every migration; for tests and for `create`. */
  static async migrateUp(client: Knex): Promise<void> {
    await client.migrate.latest({ directory: migrationsDir });
  }

  /** Reverts every migration (tests). */
  static async migrateDownAll(client: Knex): Promise<void> {
    await client.migrate.rollback({ directory: migrationsDir }, true);
  }

  private constructor(private readonly db: Knex) {}

  /**
   * A new record (superseding none) and its events in one statement on PostgreSQL: the bound
   * per finding, the row and its change-log events (recorded, then the signatures, in that
   * order of `seq`) — one round trip instead of five (begin, count, two inserts, commit); the
   * statement is its own transaction. The count is read as the transaction did (read committed:
   * two writes at once may both pass it, as before).
   */
  private async insertAtOnce(
    row: Omit<DecisionRow, 'superseded_by'>,
    signed: Array<Omit<EventRow, 'seq'>>,
    maxPerFinding: number | undefined,
  ): Promise<void> {
    const columns = Object.keys(row) as Array<keyof typeof row>;
    const events = [recorded(row), ...signed];
    const eventColumns = [
      'finding_id',
      'kind',
      'decider',
      'verdict',
      'actor',
      'at',
      'carried_from',
    ] as const;
    const text = (n: number) => Array(n).fill('?::text').join(', ');
    const { rows } = await this.db.raw(
      `with n as (select count(*) as c from ?? where finding_id = ?),
       d as (
         insert into ?? (${columns.map(() => '??').join(', ')})
         select ${text(columns.length)} from n where n.c < ?::bigint
         returning id
       ),
       e as (
         insert into ?? (decision_id, ${eventColumns.join(', ')})
         select d.id, ${eventColumns.map(c => `v.${c}`).join(', ')}
         from d cross join (values ${events
           .map(() => `(?::int, ${text(eventColumns.length)})`)
           .join(', ')}) as v(i, ${eventColumns.join(', ')})
         order by v.i
         returning seq
       )
       select n.c as existing, (select count(*) from d) as inserted from n`,
      [
        TABLE,
        row.finding_id,
        TABLE,
        ...columns,
        ...columns.map(c => row[c]),
        maxPerFinding ?? Number.MAX_SAFE_INTEGER,
        EVENTS,
        ...events.flatMap((e, i) => [i, ...eventColumns.map(c => e[c])]),
      ],
    );
    if (Number(rows[0].inserted) === 0) {
      throw tooMany(row.finding_id, rows[0].existing);
    }
  }

  private select(db: Knex | Knex.Transaction = this.db) {
    return db<DecisionRow>(`${TABLE} as d`)
      .leftJoin(`${TABLE} as s`, 's.supersedes', 'd.id')
      .select('d.*', 's.id as superseded_by');
  }

  /** The records of these rows, with their signatures and withdrawals. */
  private async withEvents(
    rows: DecisionRow[],
    db: Knex | Knex.Transaction = this.db,
  ): Promise<Decision[]> {
    const byDecision = new Map<string, EventRow[]>();
    const ids = rows.map(r => r.id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const events = await db<EventRow>(EVENTS)
        .whereIn('decision_id', ids.slice(i, i + CHUNK))
        .whereNot('kind', 'recorded')
        .orderBy('seq', 'asc');
      for (const e of events) {
        const list = byDecision.get(e.decision_id);
        if (list) list.push(e);
        else byDecision.set(e.decision_id, [e]);
      }
    }
    return rows.map(r => toDecision(r, byDecision.get(r.id) ?? []));
  }

  private async one(
    id: string,
    db: Knex | Knex.Transaction = this.db,
  ): Promise<Decision | undefined> {
    const row = await this.select(db).where('d.id', id).first();
    return row ? (await this.withEvents([row], db))[0] : undefined;
  }

  private static signatureEvents(
    decision: { id: string; findingId: string },
    signatures: NewSignature[],
    at: string,
  ): Array<Omit<EventRow, 'seq'>> {
    return signatures.map(sig => ({
      decision_id: decision.id,
      finding_id: decision.findingId,
      kind: 'signed',
      decider: sig.decider,
      verdict: sig.verdict,
      actor: sig.signedBy,
      at,
      carried_from: sig.carriedFrom ?? null,
    }));
  }

  /** The record a recorder made with this key, if any: the same request, or a 422. */
  private async byKey(
    input: NewDecision,
  ): Promise<{ decision: Decision; created: boolean } | undefined> {
    if (!input.idempotencyKey) return undefined;
    const row = await this.select()
      .where('d.recorded_by', input.recordedBy)
      .andWhere('d.idempotency_key', input.idempotencyKey)
      .first();
    if (!row) return undefined;
    if (row.request_hash !== (input.requestHash ?? null)) {
      throw new IdempotencyKeyReusedError(
        `The Idempotency-Key ${JSON.stringify(
          input.idempotencyKey,
        )} was used for another request; use a new key for a new request`,
      );
    }
    return { decision: (await this.withEvents([row]))[0], created: false };
  }

  async create(
    input: NewDecision,
    options: { maxPerFinding?: number } = {},
  ): Promise<{ decision: Decision; created: boolean }> {
    const earlier = await this.byKey(input);
    if (earlier) return earlier;
    const id = randomUUID();
    const at = new Date().toISOString();
    const row: Omit<DecisionRow, 'superseded_by'> = {
      id,
      finding_id: input.findingId,
      evidence_hash: input.evidenceHash,
      rule: input.rule,
      consumer: input.consumer,
      provider: input.provider,
      subject: input.subject,
      title: input.title,
      context: input.context ?? null,
      options: JSON.stringify(input.options ?? []),
      decision: input.decision,
      rationale: input.rationale,
      deciders: JSON.stringify(input.deciders),
      required_deciders: JSON.stringify(input.deciders),
      status: input.status,
      review_by: input.reviewBy ?? null,
      supersedes: input.supersedes ?? null,
      recorded_by: input.recordedBy,
      recorded_at: at,
      idempotency_key: input.idempotencyKey ?? null,
      request_hash: input.requestHash ?? null,
    };
    const signed = DatabaseDecisionsStore.signatureEvents(
      { id, findingId: input.findingId },
      input.signatures ?? [],
      at,
    );
    try {
      if (!input.supersedes && this.db.client.dialect === 'postgresql') {
        await this.insertAtOnce(row, signed, options.maxPerFinding);
      } else {
        await this.db.transaction(async trx => {
          if (input.supersedes) {
            const old = await this.one(input.supersedes, trx);
            if (!old) {
              throw new NotFoundError(
                `No decision with id ${input.supersedes}`,
              );
            }
            if (old.status === 'superseded' || old.status === 'withdrawn') {
              throw new ConflictError(
                `Decision ${input.supersedes} is already ${old.status}`,
              );
            }
          }
          if (options.maxPerFinding !== undefined) {
            const [{ count }] = await trx(TABLE)
              .where('finding_id', input.findingId)
              .count({ count: '*' });
            if (Number(count) >= options.maxPerFinding) {
              throw tooMany(input.findingId, count);
            }
          }
          await trx(TABLE).insert(row);
          await trx(EVENTS).insert([recorded(row), ...signed]);
        });
      }
    } catch (error) {
      if (isUniqueViolation(error)) {
        // the same key, sent twice at once: the other request stored it
        const same = await this.byKey(input);
        if (same) return same;
        if (input.supersedes) {
          throw new ConflictError(
            `Decision ${input.supersedes} is already superseded`,
          );
        }
      }
      throw error;
    }
    // The record as stored, from what was inserted (not read again: two round trips fewer
    // per write); a new record has no successor yet.
    return { decision: toDecision(row, signed), created: true };
  }

  /** Appends events to an open record (not superseded, not withdrawn). */
  private async append(
    id: string,
    events: (d: Decision, at: string) => object[],
  ): Promise<Decision> {
    await this.db.transaction(async trx => {
      const d = await this.one(id, trx);
      if (!d) throw new NotFoundError(`No decision with id ${id}`);
      if (d.status === 'superseded' || d.status === 'withdrawn') {
        throw new ConflictError(
          `Decision ${id} is ${d.status}; it can no longer change`,
        );
      }
      await trx(EVENTS).insert(events(d, new Date().toISOString()));
    });
    return (await this.one(id))!;
  }

  async sign(id: string, signatures: NewSignature[]): Promise<Decision> {
    return this.append(id, (d, at) =>
      DatabaseDecisionsStore.signatureEvents(d, signatures, at),
    );
  }

  async withdraw(id: string, actor: string): Promise<Decision> {
    return this.append(id, (d, at) => [
      {
        decision_id: d.id,
        finding_id: d.findingId,
        kind: 'withdrawn',
        actor,
        at,
      },
    ]);
  }

  async get(id: string): Promise<Decision | undefined> {
    return this.one(id);
  }

  async getMany(ids: string[]): Promise<Decision[]> {
    const rows: DecisionRow[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      rows.push(
        ...(await this.select().whereIn('d.id', ids.slice(i, i + CHUNK))),
      );
    }
    return this.withEvents(rows);
  }

  async changes(query: {
    after?: number;
    seqs?: number[];
    limit?: number;
  }): Promise<DecisionChange[]> {
    let q = this.db<EventRow>(EVENTS).select('seq', 'decision_id');
    if (query.seqs) q = q.whereIn('seq', query.seqs.slice(0, CHUNK));
    else q = q.where('seq', '>', query.after ?? 0);
    q = q.orderBy('seq', 'asc');
    if (query.limit !== undefined) q = q.limit(query.limit);
    return (await q).map(e => ({
      seq: Number(e.seq),
      decisionId: e.decision_id,
    }));
  }

  async list(
    query: DecisionsQuery,
  ): Promise<{ items: Decision[]; total: number }> {
    const filtered = () => {
      let q = this.db<DecisionRow>(`${TABLE} as d`);
      if (query.findingId) q = q.where('d.finding_id', query.findingId);
      if (query.entityRef) {
        const ref = query.entityRef;
        q = q.where(w => w.where('d.consumer', ref).orWhere('d.provider', ref));
      }
      return q;
    };
    const [{ count }] = await filtered().count({ count: '*' });
    let rows = filtered()
      .leftJoin(`${TABLE} as s`, 's.supersedes', 'd.id')
      .select('d.*', 's.id as superseded_by')
      .orderBy([
        { column: 'd.recorded_at', order: 'asc' },
        { column: 'd.id', order: 'asc' },
      ]);
    if (query.offset) rows = rows.offset(query.offset);
    if (query.limit !== undefined) rows = rows.limit(query.limit);
    return {
      items: await this.withEvents(await rows),
      total: Number(count),
    };
  }
}
