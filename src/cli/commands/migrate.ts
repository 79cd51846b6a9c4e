import { databasePathFromEnv } from '../../config/env.ts';
import { openDatabase } from '../../store/db.ts';
import { runMigrations } from '../../store/migrate.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

export const MIGRATE_USAGE = `Usage: stablegate migrate

Applies the database migrations to DATABASE_PATH (default ./data/stablegate.db). No flags.`;

/** Needs only DATABASE_PATH: a migration must not depend on the chains file being valid. */
export async function migrateCommand(args: string[]): Promise<number> {
  parseCommandArgs(MIGRATE_USAGE, args, {});
  const db = openDatabase(databasePathFromEnv(), { migrate: false });
  const { from, to } = runMigrations(db);
  db.close();
  console.log(
    from === to
      ? `database is up to date (version ${to})`
      : `migrated database from version ${from} to ${to}`,
  );
  return 0;
}
