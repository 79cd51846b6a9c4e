import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open-store.ts';
import {
  LATEST_POSTGRES_VERSION,
  runPostgresMigrations,
  schemaVersion,
} from '../../src/store/postgres/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../fixtures/pg-database.ts';

const databases: TestDatabase[] = [];
const pools: postgres.Sql[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

function connect(url: string): postgres.Sql {
  const sql = postgres(url, { max: 2, onnotice: () => {}, fetch_types: false });
  pools.push(sql);
  return sql;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((sql) => sql.end()));
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

type Column = { table: string; column: string; notNull: boolean };

/** SQLite's tables and columns at the latest version (a new database migrated in memory). */
function sqliteColumns(): Column[] {
  const db = openDatabase(':memory:');
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    return tables.flatMap((table) =>
      (db.pragma(`table_info(${table})`) as { name: string; notnull: number; pk: number }[]).map((info) => ({
        table,
        column: info.name,
        // PostgreSQL's primary keys are NOT NULL; SQLite allows NULL in a non-integer one, never used.
        notNull: info.notnull === 1 || info.pk > 0,
      })),
    );
  } finally {
    db.close();
  }
}

describe('PostgreSQL migrations', () => {
  it('creates the schema of SQLite version 7 once when several processes start at once', async () => {
    const { url } = await freshDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => runPostgresMigrations(connect(url))));
    expect(results.map((result) => result.to)).toEqual([7, 7, 7, 7]);
    // Exactly one of them found the empty database and migrated it.
    expect(results.filter((result) => result.from === 0)).toHaveLength(1);
    const sql = connect(url);
    expect(await schemaVersion(sql)).toBe(LATEST_POSTGRES_VERSION);
    expect(await sql`SELECT name, value FROM store_counters`).toEqual([
      { name: 'invoice_rowid', value: '0' },
    ]);
    expect(await runPostgresMigrations(sql)).toEqual({ from: 7, to: 7 });
  });

  it('has SQLite’s tables and columns, with the same NOT NULLs, and nothing else but its own', async () => {
    const { url } = await freshDatabase();
    const sql = connect(url);
    await runPostgresMigrations(sql);
    const rows = await sql<{ table: string; column: string; not_null: boolean }[]>`
      SELECT table_name AS table, column_name AS column, is_nullable = 'NO' AS not_null
        FROM information_schema.columns WHERE table_schema = current_schema()`;
    const ours = new Set(['store_counters', 'schema_version']);
    const postgresColumns = rows
      .filter((row) => !ours.has(row.table) && !(row.table === 'invoices' && row.column === 'rowid'))
      .map((row) => ({ table: row.table, column: row.column, notNull: row.not_null }));
    const order = (a: Column, b: Column) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);
    expect(postgresColumns.sort(order)).toEqual(sqliteColumns().sort(order));
  });

  it('compares every TEXT column byte by byte and keeps every integer 64-bit', async () => {
    const { url } = await freshDatabase();
    const sql = connect(url);
    await runPostgresMigrations(sql);
    const loose = await sql`
      SELECT table_name, column_name, data_type, collation_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name <> 'schema_version'
         AND ((data_type = 'text' AND collation_name IS DISTINCT FROM 'C') OR data_type = 'integer')`;
    expect(loose).toEqual([]);
    const sequences =
      await sql`SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() ORDER BY sequence_name`;
    expect(sequences.map((row) => row.sequence_name)).toEqual(
      expect.arrayContaining(['deliveries_seq', 'events_seq', 'invoices_seq', 'sweeps_seq']),
    );
  });

  it('stops at a target version and applies the rest later', async () => {
    const { url } = await freshDatabase();
    const sql = connect(url);
    expect(await runPostgresMigrations(sql, 0)).toEqual({ from: 0, to: 0 });
    expect(await schemaVersion(sql)).toBe(0);
    expect(await runPostgresMigrations(sql)).toEqual({ from: 0, to: 7 });
  });

  it('opens PostgreSQL for a database URL, migrated, and SQLite without one', async () => {
    const { url } = await freshDatabase();
    const store = await openStore({
      databaseUrl: url,
      databasePath: '/nonexistent/never-created.db',
      poolSize: 2,
    });
    try {
      expect(store.engine).toBe('postgres');
      if (store.engine !== 'postgres') return;
      expect(await schemaVersion(store.sql)).toBe(7);
    } finally {
      await store.close();
    }
    const sqlite = await openStore({ databasePath: ':memory:' });
    expect(sqlite.engine).toBe('sqlite');
    await sqlite.close();
  });
});
