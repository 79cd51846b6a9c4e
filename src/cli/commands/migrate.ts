import { migrateDatabase } from '../../store/open-store.ts';
import { loadDatabaseLocationOrExit } from '../load-config.ts';
import { parseCommandArgs } from '../parse-command-args.ts';

export const MIGRATE_USAGE = `Usage: stablegate migrate

Applies the database migrations to DATABASE_URL (PostgreSQL) when it is set, otherwise to
DATABASE_PATH (SQLite, default ./data/stablegate.db). No flags.`;

/** Needs only the database's location: a migration must not depend on the chains file being valid. */
export async function migrateCommand(args: string[]): Promise<number> {
  parseCommandArgs(MIGRATE_USAGE, args, {});
  const { from, to } = await migrateDatabase(loadDatabaseLocationOrExit());
  console.log(
    from === to
      ? `database is up to date (version ${to})`
      : `migrated database from version ${from} to ${to}`,
  );
  return 0;
}
