import { parseArgs } from 'node:util';
import { CliError } from './cli-error.ts';

type Command = (args: string[]) => Promise<number | undefined>;

/** Commands load lazily: `merchant create` should not pay for importing the chain watcher. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  dev: async () => (await import('./commands/dev.ts')).devCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  watch: async () => (await import('./commands/watch.ts')).watchCommand,
  work: async () => (await import('./commands/work.ts')).workCommand,
  migrate: async () => (await import('./commands/migrate.ts')).migrateCommand,
  merchant: async () => (await import('./commands/merchant.ts')).merchantCommand,
  key: async () => (await import('./commands/key.ts')).keyCommand,
  pay: async () => (await import('./commands/pay.ts')).payCommand,
};

const USAGE = `Usage: stablegate <command> [options]

Commands:
  dev                     API + watcher + workers on a local anvil devnet, in one process
  serve                   the HTTP API
  watch --chain <id>      the chain watcher for one configured chain
  work                    settlement + webhook workers
  migrate                 apply database migrations
  merchant create --name <n> --xpub <xpub> [--json]
  key create|list|revoke [<keyId>] --merchant <id> [--name <n>] [--json]   a merchant's API keys
  pay <invoiceId> [--amount <a>]   pay an invoice from a devnet payer

Configuration comes from the environment (DATABASE_PATH, REDIS_URL, PORT, PUBLIC_URL,
STABLEGATE_CONFIG, WEBHOOK_RETRY_SCHEDULE, ALLOW_PRIVATE_WEBHOOK_URLS, LOG_LEVEL); see README.md.`;

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const name = positionals[0];
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`stablegate: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  const command = await load();
  return (await command(argv.slice(1))) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      for (const line of error.lines) console.error(`stablegate: ${line}`);
    } else {
      console.error('stablegate: unexpected error:', error);
    }
    process.exitCode = 1;
  },
);
