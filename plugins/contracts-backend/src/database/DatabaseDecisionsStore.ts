import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type {
  Decision,
  DecisionsQuery,
  DecisionsStore,
  NewDecision,
  RecordedDecisionStatus,
} from './DecisionsStore';

const TABLE = 'contracts_decisions';

const migrationsDir = resolvePackagePath(
  '@internal/backstage-plugin-contracts-backend',
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
  superseded_by?: string | null;
}

function toDecision(row: DecisionRow): Decision {
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
    deciders: JSON.parse(row.deciders),
    status: row.superseded_by ? 'superseded' : row.status,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
    signatures: [],
    awaiting: [],
  };
  if (row.context !== null) d.context = row.context;
  if (row.review_by !== null) d.reviewBy = row.review_by;
  if (row.supersedes !== null) d.supersedes = row.supersedes;
  if (row.superseded_by) d.supersededBy = row.superseded_by;
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

  private select(db: Knex | Knex.Transaction = this.db) {
    return db<DecisionRow>(`${TABLE} as d`)
      .leftJoin(`${TABLE} as s`, 's.supersedes', 'd.id')
      .select('d.*', 's.id as superseded_by');
  }

  async create(
    input: NewDecision,
  ): Promise<{ decision: Decision; created: boolean }> {
    const id = randomUUID();
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
      deciders: JSON.stringify(input.deciders ?? []),
      status: input.status,
      review_by: input.reviewBy ?? null,
      supersedes: input.supersedes ?? null,
      recorded_by: input.recordedBy,
      recorded_at: new Date().toISOString(),
      idempotency_key: input.idempotencyKey ?? null,
    };
    try {
      if (input.idempotencyKey) {
        await this.db(TABLE)
          .insert(row)
          .onConflict(['recorded_by', 'idempotency_key'])
          .ignore();
      } else {
        await this.db(TABLE).insert(row);
      }
    } catch (error) {
      if (isUniqueViolation(error) && input.supersedes) {
        throw new ConflictError(
          `Decision ${input.supersedes} is already superseded`,
        );
      }
      throw error;
    }
    const stored = input.idempotencyKey
      ? await this.select()
          .where('d.recorded_by', input.recordedBy)
          .andWhere('d.idempotency_key', input.idempotencyKey)
          .first()
      : await this.select().where('d.id', id).first();
    if (!stored) {
      throw new Error(`Decision ${id} was not stored`);
    }
    return { decision: toDecision(stored), created: stored.id === id };
  }

  async get(id: string): Promise<Decision | undefined> {
    const row = await this.select().where('d.id', id).first();
    return row ? toDecision(row) : undefined;
  }

  async list(
    query: DecisionsQuery,
  ): Promise<{ items: Decision[]; total: number }> {
    const filtered = () => {
      let q = this.db<DecisionRow>(`${TABLE} as d`);
      if (query.findingId) q = q.where('d.finding_id', query.findingId);
      if (query.recordedSince) {
        q = q.where('d.recorded_at', '>=', query.recordedSince);
      }
      if (query.entityRef) {
        const ref = query.entityRef;
        q = q.where(w =>
          w.where('d.consumer', ref).orWhere('d.provider', ref),
        );
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
      items: (await rows).map(toDecision),
      total: Number(count),
    };
  }
}
