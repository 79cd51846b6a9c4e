import type Database from 'better-sqlite3';
import { migrations } from './migrations/index.ts';

/**
 * Applies the migrations newer than `PRAGMA user_version`, each in its own immediate transaction
 * together with the version bump, so a crash leaves the schema at a whole version.
 */
export function runMigrations(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (const [index, sql] of migrations.entries()) {
    const version = index + 1;
    if (version <= from) continue;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, migrations.length) };
}
