import { describe, expect, test } from 'vitest';
import { dbCommand } from './commands/db.ts';
import { devCommand } from './commands/dev.ts';
import { keyCommand } from './commands/key.ts';
import { listenCommand } from './commands/listen.ts';
import { merchantCommand } from './commands/merchant.ts';
import { migrateCommand } from './commands/migrate.ts';
import { payCommand } from './commands/pay.ts';
import { secretsCommand } from './commands/secrets.ts';
import { serveCommand } from './commands/serve.ts';
import { sweepCommand } from './commands/sweep.ts';
import { watchCommand } from './commands/watch.ts';
import { workCommand } from './commands/work.ts';
import { UsageExit } from './parse-command-args.ts';

type Command = (args: string[]) => Promise<number | undefined>;

/** Every command and subcommand, with the flags its usage must name. */
const COMMANDS: [name: string, command: Command, prefix: string[], flags: string[]][] = [
  [
    'dev',
    devCommand,
    [],
    ['--port', '--data-dir', '--rpc-url', '--chains', '--confirmations', '--block-time'],
  ],
  ['serve', serveCommand, [], []],
  ['watch', watchCommand, [], ['--chain']],
  ['work', workCommand, [], []],
  ['migrate', migrateCommand, [], []],
  ['db', dbCommand, [], []],
  ['db copy', dbCommand, ['copy'], ['--from', '--to']],
  ['merchant', merchantCommand, [], []],
  [
    'merchant create',
    merchantCommand,
    ['create'],
    ['--name', '--payout', '--xpub', '--allow-depth', '--json'],
  ],
  ['key', keyCommand, [], []],
  ['key create', keyCommand, ['create'], ['--merchant', '--name', '--json']],
  ['key list', keyCommand, ['list'], ['--merchant', '--json']],
  ['key revoke', keyCommand, ['revoke'], ['--merchant']],
  ['secrets', secretsCommand, [], []],
  ['secrets reseal', secretsCommand, ['reseal'], []],
  ['pay', payCommand, [], ['--amount', '--payer', '--data-dir']],
  ['sweep', sweepCommand, [], ['--chain', '--merchant', '--min', '--dry-run', '--unsigned', '--data-dir']],
  ['listen', listenCommand, [], ['--port', '--secret', '--register', '--data-dir']],
];

async function usageExit(promise: Promise<unknown>): Promise<UsageExit> {
  const outcome = await promise.then(
    () => new Error('the command ran instead of printing its usage'),
    (error: unknown) => error,
  );
  if (outcome instanceof UsageExit) return outcome;
  throw outcome;
}

describe.each(COMMANDS)('stablegate %s', (name, command, prefix, flags) => {
  test.each([['--help'], ['-h']])(
    '%s shows its own usage, naming each of its flags, with exit 0',
    async (help) => {
      const exit = await usageExit(command([...prefix, help]));
      expect(exit.exitCode).toBe(0);
      expect(exit.usage).toMatch(new RegExp(`^Usage: stablegate ${name}\\b`));
      for (const flag of flags) expect(exit.usage).toContain(flag);
    },
  );

  test('an unknown flag is one line naming it, with its usage and exit 2', async () => {
    const exit = await usageExit(command([...prefix, '--no-such-flag']));
    expect(exit.exitCode).toBe(2);
    expect(exit.problem).toBe('unknown option --no-such-flag');
    expect(exit.usage).toMatch(new RegExp(`^Usage: stablegate ${name}\\b`));
  });
});

describe('bad values are usage errors naming the flag', () => {
  test.each([
    [devCommand, ['--port', '70000'], '--port: expected a whole number from 1 to 65535, got "70000"'],
    [
      devCommand,
      ['--confirmations', '0'],
      '--confirmations: expected a whole number from 1 to 1000, "safe" or "finalized", got "0"',
    ],
    [
      devCommand,
      ['--confirmations', 'latest'],
      '--confirmations: expected a whole number from 1 to 1000, "safe" or "finalized", got "latest"',
    ],
    [
      devCommand,
      ['--block-time', 'fast'],
      '--block-time: expected a whole number from 0 to 3600, got "fast"',
    ],
    [watchCommand, ['--chain', 'mainnet'], '--chain: expected a whole number at least 1, got "mainnet"'],
    [watchCommand, [], '--chain: required'],
    [
      listenCommand,
      ['--port', '0', '--register'],
      '--port: expected a whole number from 1 to 65535, got "0"',
    ],
    [listenCommand, [], '--secret or --register: one is required to verify deliveries'],
    [listenCommand, ['--secret', 'hunter2'], '--secret: not a Standard Webhooks secret (whsec_ then base64)'],
    [payCommand, [], '<invoiceId>: required'],
    [payCommand, ['inv_1', '--payer', 'x'], '--payer: expected a whole number from 0 to 1000, got "x"'],
    [merchantCommand, ['create', '--xpub', 'xpub1'], '--name: required'],
  ] as [Command, string[], string][])('%o %j', async (command, args, problem) => {
    const exit = await usageExit(command(args));
    expect(exit).toMatchObject({ exitCode: 2, problem });
  });
});
