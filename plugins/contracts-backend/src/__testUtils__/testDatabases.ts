import {
  TestDatabases,
  type TestDatabaseId,
} from '@backstage/backend-test-utils';

/**
 * SQLite and the PostgreSQL `npm test` found or started: `scripts/run.sh test` sets
 * BACKSTAGE_TEST_DATABASE_POSTGRES<NN>_CONNECTION_STRING and CONTRACTS_TEST_POSTGRES_ID. Call at
 * the top of a test file (TestDatabases registers its own clean-up).
 */
export function sqliteAndPostgres(): TestDatabases {
  const postgres = (process.env.CONTRACTS_TEST_POSTGRES_ID ??
    'POSTGRES_15') as TestDatabaseId;
  return TestDatabases.create({ ids: ['SQLITE_3', postgres] });
}
