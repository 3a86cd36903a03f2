import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';

const TABLE = 'contracts_notifications_sent';
const migrationsDir = resolvePackagePath(
  '@backstage-contracts/plugin-contracts-backend',
  'migrations',
);
/** Keys per statement (well under SQLite's and PostgreSQL's bound parameters). */
const CHUNK = 500;
/** How long a look's mark ({@link NotificationsSentStore.markLooked}) is kept. */
const MARK_KEEP_MS = 60 * 60 * 1000;
const markKey = (computedAt: string) => `looked:${computedAt}`;

/**
 * Which notifications were sent, by key, shared by the replicas: {@link claim} answers the keys
 * this caller inserted first (and so must send); any other replica, or a later recompute, gets
 * none of them.
 */
export class NotificationsSentStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<NotificationsSentStore> {
    const client = await options.database.getClient();
    if (!(options.skipMigrations ?? options.database.migrations?.skip)) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new NotificationsSentStore(client);
  }

  private constructor(private readonly db: Knex) {}

  /** The marks this store wrote, oldest first (deleted once older than MARK_KEEP_MS). */
  private readonly marks: Array<{ key: string; at: number }> = [];

  /**
   * Marks the snapshot computed at `computedAt` as looked at: every notable key of it claimed
   * (a row `looked:<computedAt>`). A replica that adopts the persisted snapshot asks
   * {@link looked} instead of claiming its keys again. The marks this store wrote more than an
   * hour ago are deleted (by key) meanwhile: a replica adopts the latest snapshot within seconds.
   */
  async markLooked(computedAt: string, now = Date.now()): Promise<void> {
    const key = markKey(computedAt);
    await this.claim([key]);
    this.marks.push({ key, at: now });
    let old = 0;
    while (
      old < this.marks.length - 1 &&
      now - this.marks[old].at > MARK_KEEP_MS
    ) {
      old++;
    }
    if (!old) return;
    const gone = this.marks.splice(0, old).map(m => m.key);
    await this.db(TABLE).whereIn('key', gone).delete();
  }

  /** Whether the snapshot computed at `computedAt` was looked at ({@link markLooked}). */
  looked(computedAt: string): Promise<boolean> {
    return this.has(markKey(computedAt));
  }

  /** Whether any of these keys was claimed. */
  async has(key: string): Promise<boolean> {
    return Boolean(await this.db(TABLE).where({ key }).first('key'));
  }

  /**
   * Inserts the keys not yet there; answers those this call inserted: one statement per chunk,
   * `insert … on conflict do nothing returning key` on both databases (the rows returned are
   * the ones inserted: of two replicas claiming the same key, one gets it).
   */
  async claim(keys: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(keys)];
    const claimed: string[] = [];
    const token = randomUUID();
    const sentAt = new Date().toISOString();
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const rows: Array<{ key: string }> = await this.db(TABLE)
        .insert(
          wanted
            .slice(i, i + CHUNK)
            .map(key => ({ key, sent_at: sentAt, claim: token })),
        )
        .onConflict('key')
        .ignore()
        .returning('key');
      claimed.push(...rows.map(r => r.key));
    }
    return claimed;
  }
}
