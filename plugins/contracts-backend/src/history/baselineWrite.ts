/*
 * The history's baseline, as the store writes it (issue 22): its rows made page by page of the
 * snapshot's state (./storedComparison.ts' HistorySessions) and written by DatabaseHistoryStore's
 * recordBaseline (one writer at a time, each batch its own transaction, complete once marked).
 * On PostgreSQL the analysis worker does both with its own connection
 * (../services/analysis/workerDatabase.ts): ~100k rows of JSON at 100k entities never cross to
 * the main thread, which is only told that it is done. Without one (SQLite) the main thread
 * writes the pages the worker makes.
 */
import type { Knex } from 'knex';
import { workerDatabase } from '../services/analysis/workerDatabase';
import { DatabaseHistoryStore } from './DatabaseHistoryStore';
import { historyRows } from './historyWork';
import type { BaselinePage, HistorySessions } from './storedComparison';
import type { ContractRow, HistoryRows } from './types';

/**
 * The baseline's rows made at once, in bytes of JSON: a page's message and the store's
 * statements of it each a few ms of the main thread (when it writes them).
 */
export const BASELINE_PAGE_BYTES = 256 * 1024;

/** The baseline's rows, page by page as `next` makes them (the last one `done`). */
export async function* baselinePages(
  next: (bytes: number) => BaselinePage | Promise<BaselinePage>,
): AsyncGenerator<HistoryRows> {
  for (;;) {
    const page = await next(BASELINE_PAGE_BYTES);
    const { contracts, findings } = historyRows(page);
    yield { contracts: contracts as ContractRow[], findings };
    if (page.done) return;
  }
}

/**
 * Writes the baseline of the state `key` names (`sessions`' state: the worker's) into the
 * history tables of `db` (this thread's connection), as the main thread writes it: true once
 * complete, false when another recorder writes it (or has completed it), undefined when the
 * state has moved on from `key`. Fails (its lease given back: the next snapshot writes it
 * again, what this one wrote deleted first) when the writing does.
 */
export async function writeBaseline<K>(
  sessions: HistorySessions<K>,
  key: K,
  db: Knex,
): Promise<boolean | undefined> {
  const id = sessions.baseline(key);
  if (id === undefined) return undefined;
  try {
    // (the migrations: run by the main thread's store)
    const store = new DatabaseHistoryStore(db);
    return await store.recordBaseline(() =>
      baselinePages(bytes => sessions.rows(id, bytes)),
    );
  } finally {
    sessions.end(id);
  }
}

/**
 * {@link writeBaseline} with this thread's own connection (the analysis worker's, on
 * PostgreSQL: ../services/analysis/workerDatabase.ts). Throws when this thread has none.
 */
export function writeBaselineInThread<K>(
  sessions: HistorySessions<K>,
  key: K,
): Promise<boolean | undefined> {
  const db = workerDatabase();
  if (!db) {
    return Promise.reject(
      new Error('the analysis worker has no database connection'),
    );
  }
  return writeBaseline(sessions, key, db);
}
