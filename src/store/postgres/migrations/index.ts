import { baseline } from './007-baseline.ts';

/**
 * A schema version and the SQL that reaches it, run in one transaction (postgres/migrate.ts).
 * Versions are SQLite's (`PRAGMA user_version`, src/store/migrations/index.ts): a release's
 * migration N changes both engines' schema alike, each in its own dialect.
 */
export type PostgresMigration = { version: number; sql: string };

/**
 * Ascending; a migration is never edited once released, only followed by a new one. PostgreSQL
 * came with version 7: a new database gets the whole schema of 7 at once, and migration 8 onwards
 * are added here under the number SQLite's copy has.
 */
export const postgresMigrations: readonly PostgresMigration[] = [{ version: 7, sql: baseline }];
