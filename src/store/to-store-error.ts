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
