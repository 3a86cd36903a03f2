/*
 * The running portal's contracts store, opened beside it: the e2e backend keeps one SQLite file
 * per plugin in its data folder. For putting records there that the API would refuse today (a
 * record stored before refs were validated).
 */
import fs from 'node:fs';
import path from 'node:path';

// better-sqlite3 ships no types here; the few calls below are typed by hand
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Database = require('better-sqlite3') as new (file: string) => SqliteDb;

interface SqliteDb {
  pragma(text: string): unknown;
  prepare(sql: string): {
    run(...params: unknown[]): { lastInsertRowid: number | bigint };
    all(...params: unknown[]): Array<Record<string, unknown>>;
  };
  transaction<T>(fn: () => T): () => T;
  close(): void;
}

/** The contracts plugin's SQLite file in the portal's data folder. */
export function contractsDbFile(dataDir: string): string {
  const name = fs
    .readdirSync(dataDir)
    .find(f => /contracts/.test(f) && f.endsWith('.sqlite'));
  if (!name) {
    throw new Error(
      `no contracts SQLite file in ${dataDir}: ${fs
        .readdirSync(dataDir)
        .join(', ')}`,
    );
  }
  return path.join(dataDir, name);
}

function columns(
  db: SqliteDb,
  table: string,
): Map<string, { notnull: boolean; dflt: unknown; pk: boolean }> {
  const rows = db.prepare(`PRAGMA table_info(${table})`).all();
  if (!rows.length) throw new Error(`no table ${table} in the contracts store`);
  return new Map(
    rows.map(r => [
      String(r.name),
      {
        notnull: Number(r.notnull) === 1,
        dflt: r.dflt_value,
        pk: Number(r.pk) > 0,
      },
    ]),
  );
}

/** Inserts `row` into `table`: only the columns the table has; says which required one is missing. */
function insert(db: SqliteDb, table: string, row: Record<string, unknown>) {
  const cols = columns(db, table);
  const missing = [...cols]
    .filter(
      ([name, c]) => c.notnull && c.dflt === null && !c.pk && !(name in row),
    )
    .map(([name]) => name);
  if (missing.length) {
    throw new Error(
      `${table} needs ${missing.join(', ')}: the test's record lacks them`,
    );
  }
  const names = Object.keys(row).filter(k => cols.has(k));
  db.prepare(
    `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names
      .map(() => '?')
      .join(', ')})`,
  ).run(...names.map(n => row[n]));
}

/**
 * Puts a decision record straight into the store with its change-log events (the replicas, and
 * the running portal, sync by the log's `seq`), as a record stored before the backend validated
 * refs would be.
 */
export function insertStoredDecision(
  dataDir: string,
  record: Record<string, unknown> & { id: string; finding_id: string },
  events: Array<Record<string, unknown>>,
) {
  const db = new Database(contractsDbFile(dataDir));
  try {
    db.pragma('busy_timeout = 10000');
    db.transaction(() => {
      insert(db, 'contracts_decisions', record);
      for (const e of events) {
        insert(db, 'contracts_decision_events', {
          decision_id: record.id,
          finding_id: record.finding_id,
          ...e,
        });
      }
    })();
  } finally {
    db.close();
  }
}
