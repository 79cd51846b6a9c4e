import type Database from 'better-sqlite3';
import { migrations } from './migrations/index.ts';

/**
 * A schema change: SQL, or a function for a change SQL cannot compute alone (a back-fill that
 * needs our own code, e.g. decoding a stored xpub). Either runs inside the migration's transaction.
 */
export type Migration = string | ((db: Database.Database) => void);

/**
 * Applies the migrations newer than `PRAGMA user_version`, each in its own immediate transaction
 * together with the version bump, so a crash leaves the schema at a whole version.
 *
 * Foreign keys are off while migrations run and checked before each commit, as SQLite's procedure
 * for rebuilding a table asks (https://www.sqlite.org/lang_altertable.html#otheralter): dropping a
 * table that others reference would otherwise fail, and the pragma is a no-op inside a transaction.
 */
export function runMigrations(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from >= migrations.length) return { from, to: from };
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    for (const [index, migration] of migrations.entries()) {
      const version = index + 1;
      if (version <= from) continue;
      db.transaction(() => {
        if (typeof migration === 'string') db.exec(migration);
        else migration(db);
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0)
          throw new Error(`migration ${version} breaks ${violations.length} foreign key(s)`);
        db.pragma(`user_version = ${version}`);
      }).immediate();
    }
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
  return { from, to: Math.max(from, migrations.length) };
}
