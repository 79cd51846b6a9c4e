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
