import type Database from 'better-sqlite3';

/**
 * A schema change: SQL, or a function for a change SQL cannot compute alone (a back-fill that
 * needs our own code, e.g. decoding a stored xpub). Either runs inside the migration's transaction
 * (store/migrate.ts).
 */
export type Migration = string | ((db: Database.Database) => void);
