import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { runMigrations } from './migrate.ts';

export type Db = Database.Database;

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database with the pragmas every connection needs. `synchronous` and `busy_timeout`
 * are per connection in SQLite, so they are set on every open, not once at creation.
 */
export function openDatabase(path: string, options: { migrate?: boolean } = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a committed payment survives power loss, not only a process crash (WAL's NORMAL does not).
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  if (options.migrate !== false) runMigrations(db);
  return db;
}

/**
 * Runs `fn` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so two writers
 * never both read and then fail to upgrade. `fn` must be synchronous: no transaction spans an await.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
