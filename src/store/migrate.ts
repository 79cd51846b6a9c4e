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
 */
export function runMigrations(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (const [index, migration] of migrations.entries()) {
    const version = index + 1;
    if (version <= from) continue;
    db.transaction(() => {
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, migrations.length) };
}
