import { openDatabase } from './db.ts';
import { runMigrations } from './migrate.ts';
import { runPostgresMigrations } from './postgres/migrate.ts';
import { createPostgresStore, type PostgresStore, type StoreLogger } from './postgres/postgres-store.ts';
import { openSqliteStore, type SqliteStore } from './sqlite-store.ts';

export type OpenStoreOptions = {
  /** DATABASE_URL: PostgreSQL when set, and then `databasePath` is not used. */
  databaseUrl?: string | undefined;
  /** DATABASE_PATH: the SQLite file otherwise. */
  databasePath: string;
  /** DATABASE_POOL_SIZE: PostgreSQL's connections at most. */
  poolSize?: number;
  logger?: StoreLogger;
};

/**
 * The store the configuration names, migrated and answering: PostgreSQL when a database URL is
 * given (a server that does not answer fails here, with DatabaseUnavailableError), otherwise the
 * SQLite file. The only place that picks an engine; `engine` tells the two apart where it must
 * (`db copy`, migrations), and everything else takes it as a Store.
 */
export async function openStore(options: OpenStoreOptions): Promise<SqliteStore | PostgresStore> {
  if (options.databaseUrl === undefined) return openSqliteStore(options.databasePath);
  const store = createPostgresStore({
    url: options.databaseUrl,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  try {
    await store.ping();
    await runPostgresMigrations(store.sql);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * `stablegate migrate`: applies the engine's pending migrations and says from which version to
 * which. Safe when several processes start at once: SQLite takes its write lock per migration,
 * PostgreSQL an advisory lock (postgres/migrate.ts).
 */
export async function migrateDatabase(
  options: Pick<OpenStoreOptions, 'databaseUrl' | 'databasePath'>,
): Promise<{ from: number; to: number }> {
  if (options.databaseUrl === undefined) {
    const db = openDatabase(options.databasePath, { migrate: false });
    try {
      return runMigrations(db);
    } finally {
      db.close();
    }
  }
  const store = createPostgresStore({ url: options.databaseUrl, poolSize: 1 });
  try {
    return await runPostgresMigrations(store.sql);
  } finally {
    await store.close();
  }
}
