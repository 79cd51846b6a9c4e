import { copyDatabase, DatabaseCopyError } from '../../store/copy-database.ts';
import { type OpenStoreOptions, openStore } from '../../store/open-store.ts';
import { CliError } from '../cli-error.ts';
import { parseCommandArgs, runSubcommand, UsageExit } from '../parse-command-args.ts';

export const DB_USAGE = `Usage: stablegate db <subcommand>

Subcommands:
  copy     copy every row of one database into another, empty one, and verify it

stablegate db copy --help for its flags.`;

export const DB_COPY_USAGE = `Usage: stablegate db copy --from <database> --to <database>

Copies every row of --from into --to, then checks the copy row for row (each table's row count
and a digest of its rows). A database is sqlite:<path> or a postgres:// URL; the usual move is
from the SQLite file to PostgreSQL:
  stablegate db copy --from sqlite:./data/stablegate.db --to postgres://user:pass@host/stablegate
Stop every stablegate process first: nothing may write to --from meanwhile. --to is migrated
to the current schema and must hold no rows; if the copy fails it is emptied again.`;

/** `db copy`: prints each table's rows and digest once the copy is verified. */
export function dbCommand(args: string[]): Promise<number> {
  return runSubcommand(DB_USAGE, args, {
    copy: async (rest) => {
      const { values } = parseCommandArgs(DB_COPY_USAGE, rest, {
        options: { from: { type: 'string' }, to: { type: 'string' } },
      });
      const from = storeLocation('--from', values.from);
      const to = storeLocation('--to', values.to);
      const source = await openStore(from);
      try {
        const target = await openStore(to);
        try {
          const report = await copyDatabase(source, target);
          for (const table of report.tables)
            console.log(`${table.name}: ${table.rows} rows (${table.digest})`);
          console.log(`copied and verified ${report.tables.length} tables`);
          return 0;
        } finally {
          await target.close();
        }
      } catch (error) {
        if (error instanceof DatabaseCopyError) throw new CliError(`db copy: ${error.message}`);
        throw error;
      } finally {
        await source.close();
      }
    },
  });
}

/** `sqlite:<path>` or a PostgreSQL URL, as openStore takes it. */
function storeLocation(flag: string, value: string | undefined): OpenStoreOptions {
  if (!value) throw new UsageExit(DB_COPY_USAGE, `${flag}: required`);
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (!path) throw new UsageExit(DB_COPY_USAGE, `${flag}: sqlite: needs a file path`);
    return { databasePath: path };
  }
  if (/^postgres(ql)?:\/\//.test(value)) return { databaseUrl: value, databasePath: '', poolSize: 4 };
  throw new UsageExit(DB_COPY_USAGE, `${flag}: must be sqlite:<path> or a postgres:// URL`);
}
