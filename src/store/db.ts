import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseBusyError } from '../domain/errors.ts';
import { runMigrations } from './migrate.ts';
import { toStoreError } from './to-store-error.ts';

export type Db = Database.Database;

/**
 * Whether `error` means another writer had the database: our DatabaseBusyError (a write refused
 * after waiting its turn, or SQLite's busy and locked codes turned into one) or those codes still
 * raw (a read). Worth retrying, and a 503 at the API, never a 500.
 */
export function isDatabaseBusy(error: unknown): boolean {
  return toStoreError(error) instanceof DatabaseBusyError;
}

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;
/** Per connection, in KiB (a negative `cache_size` is KiB in SQLite). */
const PAGE_CACHE_KIB = 8 * 1024;

/**
 * Opens the database with the pragmas every connection needs. `synchronous` and `busy_timeout`
 * are per connection in SQLite, so they are set on every open, not once at creation.
 */
export function openDatabase(path: string, options: { migrate?: boolean } = {}): Db {
  if (path !== ':memory:') createPrivateFile(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a committed payment survives power loss, not only a process crash (WAL's NORMAL does not).
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  // SQLite's default page cache is 2 MiB: past it, every read of an invoice or an API key is a
  // pread() of a page the OS has cached anyway. 8 MiB holds the hot pages of a busy gateway (in
  // the api benchmark: GET /v1/invoices/:id ≈ 2,100 → 2,800–3,600/s, POST ≈ 480 → 700/s); 32 MiB
  // was no faster, and a cache filling up reads as RSS growth in the load scenario.
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  if (options.migrate !== false) runMigrations(db);
  return db;
}

/**
 * The database holds every merchant's invoices and the sealed secrets: its folder is created 0700
 * and the file 0600 before SQLite opens it. SQLite's unix VFS creates `-wal` and `-shm` with the
 * permissions of the database file, so they are owner-only too. An existing file keeps the mode
 * its operator gave it.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
}

/**
 * Runs `fn` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so two writers
 * never both read and then fail to upgrade. `fn` must be synchronous: no transaction spans an await.
 * SQLite's busy and full codes come out as DatabaseBusyError and StorageFullError (to-store-error.ts).
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    throw toStoreError(error);
  }
}
