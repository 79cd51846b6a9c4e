import { CliError } from './cli-error.ts';
import { UsageExit } from './parse-command-args.ts';

type Command = (args: string[]) => Promise<number | undefined>;

/** Commands load lazily: `merchant create` should not pay for importing the chain watcher. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  dev: async () => (await import('./commands/dev.ts')).devCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  watch: async () => (await import('./commands/watch.ts')).watchCommand,
  work: async () => (await import('./commands/work.ts')).workCommand,
  migrate: async () => (await import('./commands/migrate.ts')).migrateCommand,
  db: async () => (await import('./commands/db.ts')).dbCommand,
  merchant: async () => (await import('./commands/merchant.ts')).merchantCommand,
  key: async () => (await import('./commands/key.ts')).keyCommand,
  secrets: async () => (await import('./commands/secrets.ts')).secretsCommand,
  pay: async () => (await import('./commands/pay.ts')).payCommand,
  sweep: async () => (await import('./commands/sweep.ts')).sweepCommand,
  listen: async () => (await import('./commands/listen.ts')).listenCommand,
};

const USAGE = `Usage: stablegate <command> [options]      (stablegate <command> --help for its flags)

Commands:
  dev                     API + watcher + workers on a local anvil devnet, in one process
  serve                   the HTTP API
  watch --chain <id>      the chain watcher for one configured chain
  work                    settlement + webhook workers
  migrate                 apply database migrations
  db copy --from <db> --to <db>   copy a database into another (SQLite → PostgreSQL), verified
  merchant create --name <n> --xpub <xpub|-> [--allow-depth] [--json]
  key create|list|revoke [<keyId>] --merchant <id> [--name <n>] [--json]   a merchant's API keys
  secrets reseal          seal webhook secrets with a new STABLEGATE_SECRET_KEY
  pay <invoiceId> [--amount <a>]   pay an invoice from a devnet payer
  sweep [--chain <id>] [--merchant <id>] [--min <a>] [--dry-run] [--unsigned] [--data-dir <dir>]
                          move paid forwarder deposits to their payout
  listen [--port 9000] [--secret whsec_…] [--register]   print verified webhooks

Configuration comes from the environment (DATABASE_URL or DATABASE_PATH, REDIS_URL, PORT, PUBLIC_URL,
STABLEGATE_CONFIG, WEBHOOK_RETRY_SCHEDULE, ALLOW_PRIVATE_WEBHOOK_URLS, LOG_LEVEL,
SWEEPER_PRIVATE_KEY); see README.md.`;

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  // Bare `stablegate` is misuse (exit 2, usage on stderr); asking for help is not (exit 0).
  if (name === undefined) throw new UsageExit(USAGE, 'a command is required');
  if (name === 'help' || name === '--help' || name === '-h') throw new UsageExit(USAGE);
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load)
    throw new UsageExit(USAGE, name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`);
  const command = await load();
  return (await command(argv.slice(1))) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageExit) {
      if (error.problem === undefined) console.log(error.usage);
      else console.error(`stablegate: ${error.problem}\n\n${error.usage}`);
      process.exitCode = error.exitCode;
    } else if (error instanceof CliError) {
      for (const line of error.lines) console.error(`stablegate: ${line}`);
      process.exitCode = 1;
    } else {
      console.error('stablegate: unexpected error:', error);
      process.exitCode = 1;
    }
  },
);
