import type Database from 'better-sqlite3';
import { BaseError } from '../domain/errors.ts';
import { migrations } from './migrations/index.ts';

/** A migration would leave rows whose foreign key points at nothing: it is rolled back. A bug. */
export class ForeignKeyViolationError extends BaseError {
  constructor(version: number, violations: readonly unknown[]) {
    super(
      'foreign_key_violation',
      `migration ${version} leaves ${violations.length} foreign key violation(s): ${JSON.stringify(violations.slice(0, 3))}`,
    );
  }
}

/**
 * Applies the migrations newer than `PRAGMA user_version`, each in its own immediate transaction
 * together with the version bump, so a crash leaves the schema at a whole version and several
 * processes starting on one new file apply each migration once.
 *
 * Foreign keys are off while they run, as SQLite's procedure for changing a table's definition
 * requires (https://sqlite.org/lang_altertable.html#otheralter: rebuild, drop, rename), and each
 * migration must leave `PRAGMA foreign_key_check` empty before it commits. The pragma cannot
 * change inside a transaction, hence around the loop. `target` stops at an older version: the
 * migration tests build the database an older release left.
 */
export function runMigrations(
  db: Database.Database,
  target: number = migrations.length,
): { from: number; to: number } {
  const from = Number(db.pragma('user_version', { simple: true }));
  if (from >= target) return { from, to: from };
  const foreignKeys = Number(db.pragma('foreign_keys', { simple: true }));
  db.pragma('foreign_keys = OFF');
  try {
    for (const [index, migration] of migrations.entries()) {
      const version = index + 1;
      if (version <= from || version > target) continue;
      db.transaction(() => {
        // Another process (three `merchant create` at once on a new file) may have applied it
        // between our first read and this write lock: the version is read again under the lock.
        if ((db.pragma('user_version', { simple: true }) as number) >= version) return;
        if (typeof migration === 'string') db.exec(migration);
        else migration(db);
        const violations = db.pragma('foreign_key_check');
        if (Array.isArray(violations) && violations.length > 0)
          throw new ForeignKeyViolationError(version, violations);
        db.pragma(`user_version = ${version}`);
      }).immediate();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return { from, to: target };
}
