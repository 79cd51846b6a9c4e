import Database from 'better-sqlite3';
import { DatabaseBusyError, StorageFullError } from '../domain/errors.ts';

/**
 * The typed error for a failure SQLite reported (https://sqlite.org/rescode.html), so that nothing
 * outside the store reads SQLite's codes: busy or locked (with their extended codes: another
 * connection had the database) → DatabaseBusyError; full (the disk, or `max_page_count`) →
 * StorageFullError. Anything else is returned as it is.
 */
export function toStoreError(error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  if (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'))
    return new DatabaseBusyError(error);
  if (error.code === 'SQLITE_FULL') return new StorageFullError(error);
  return error;
}

/**
 * Whether `error` is a UNIQUE constraint refusing a row, on either engine: SQLite's
 * SQLITE_CONSTRAINT_UNIQUE (or PRIMARYKEY), PostgreSQL's unique_violation (SQLSTATE 23505).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Database.SqliteError) {
    return error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
