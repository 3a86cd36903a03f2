import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  type Observation,
  observationKey,
} from '@backstage-contracts/plugin-contracts-common';
import type { Knex } from 'knex';

const TABLE = 'contracts_observations';
const migrationsDir = resolvePackagePath(
  '@backstage-contracts/plugin-contracts-backend',
  'migrations',
);

interface ObservationRow {
  entity_ref: string;
  observation_key: string;
  status: Observation['status'];
  value: number | null;
  measured_at: string | null;
  checked_at: string;
  observation: string;
}

/**
 * The observed values of bound promises (table `contracts_observations`), by lower-cased
 * entity ref; written by the one replica that runs the verification task, read by all.
 */
export class DatabaseObservationsStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseObservationsStore> {
    const client = await options.database.getClient();
    if (!(options.skipMigrations ?? options.database.migrations?.skip)) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseObservationsStore(client);
  }

  constructor(private readonly db: Knex) {}

  /** Every stored observation, by lower-cased entity ref. */
  async all(): Promise<Map<string, Observation[]>> {
    const rows = await this.db<ObservationRow>(TABLE)
      .select()
      .orderBy(['entity_ref', 'observation_key']);
    const out = new Map<string, Observation[]>();
    for (const row of rows) {
      let o: Observation;
      try {
        o = JSON.parse(row.observation);
      } catch {
        continue; // one bad row never hides the others
      }
      const list = out.get(row.entity_ref) ?? [];
      list.push(o);
      out.set(row.entity_ref, list);
    }
    return out;
  }

  /** The time of the latest run stored (to notice a new one), or undefined. */
  async lastCheckedAt(): Promise<string | undefined> {
    const row = await this.db<ObservationRow>(TABLE)
      .max({ at: 'checked_at' })
      .first();
    return (row as { at?: string } | undefined)?.at ?? undefined;
  }

  /**
   * Replaces the observations of a run: those of `observed` are written, the rows of
   * measurements no longer bound (a binding removed, an entity gone) are deleted.
   */
  async replaceAll(observed: Map<string, Observation[]>): Promise<void> {
    const rows: ObservationRow[] = [];
    for (const [ref, list] of observed) {
      for (const o of list) {
        rows.push({
          entity_ref: ref.toLowerCase(),
          observation_key: observationKey(o),
          status: o.status,
          value: o.value ?? null,
          measured_at: o.measuredAt ?? null,
          checked_at: o.checkedAt,
          observation: JSON.stringify(o),
        });
      }
    }
    await this.db.transaction(async tx => {
      await tx(TABLE).delete();
      for (let i = 0; i < rows.length; i += 200) {
        await tx(TABLE).insert(rows.slice(i, i + 200));
      }
    });
  }
}
