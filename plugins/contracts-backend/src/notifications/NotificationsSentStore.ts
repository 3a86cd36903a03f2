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
