import { describe, expect, test } from 'vitest';
import {
  parseCommandArgs,
  parseConfirmationsFlag,
  parseIntegerFlag,
  runSubcommand,
  UsageExit,
  wantsHelp,
} from './parse-command-args.ts';

const USAGE = 'Usage: stablegate thing [--port <p>] [--json]';
const OPTIONS = { options: { port: { type: 'string' }, json: { type: 'boolean' } } } as const;

/** The UsageExit a call throws, or a failure when it throws nothing or something else. */
function usageExit(run: () => unknown): UsageExit {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageExit) return error;
    throw error;
  }
  throw new Error('expected a UsageExit');
}

describe('parseCommandArgs', () => {
  test('returns the typed values of valid flags', () => {
    const { values } = parseCommandArgs(USAGE, ['--port', '80', '--json'], OPTIONS);
    expect(values).toEqual({ port: '80', json: true });
  });

  test.each([['--help'], ['-h'], ['--port', '1', '--help'], ['--bogus', '-h']])(
    '%s asks for the usage with exit 0, whatever else is on the line',
    (...args) => {
      const exit = usageExit(() => parseCommandArgs(USAGE, args, OPTIONS));
      expect(exit).toMatchObject({ usage: USAGE, problem: undefined, exitCode: 0 });
    },
  );

  test.each([
    [['--bogus'], 'unknown option --bogus'],
    [['-z'], 'unknown option -z'],
    [['--port'], '--port: argument missing'],
    [['--json=yes'], '--json: does not take an argument'],
    [['stray'], 'unexpected argument "stray"'],
  ])('%j is one line naming it, with exit 2', (args, problem) => {
    const exit = usageExit(() => parseCommandArgs(USAGE, args, OPTIONS));
    expect(exit).toMatchObject({ usage: USAGE, problem, exitCode: 2 });
    expect(exit.problem).not.toContain('\n');
  });

  test('a --help after -- is a positional, not a request for help', () => {
    expect(wantsHelp(['--', '--help'])).toBe(false);
    const { positionals } = parseCommandArgs(USAGE, ['--', '--help'], { ...OPTIONS, allowPositionals: true });
    expect(positionals).toEqual(['--help']);
  });
});

describe('parseIntegerFlag', () => {
  const range = { min: 1, max: 65_535, fallback: 3000 };

  test('takes whole numbers in range, and the fallback when absent', () => {
    expect(parseIntegerFlag(USAGE, '--port', '8080', range)).toBe(8080);
    expect(parseIntegerFlag(USAGE, '--port', undefined, range)).toBe(3000);
  });

  test.each(['abc', '3000abc', '1e3', '-1', '0', '65536', '', ' 80', '8.5'])(
    'refuses "%s" naming the flag, with exit 2',
    (value) => {
      const exit = usageExit(() => parseIntegerFlag(USAGE, '--port', value, range));
      expect(exit.exitCode).toBe(2);
      expect(exit.problem).toBe(`--port: expected a whole number from 1 to 65535, got "${value}"`);
    },
  );
});

describe('parseConfirmationsFlag', () => {
  test('takes 1–1000 blocks or a block tag, and the fallback when absent', () => {
    expect(parseConfirmationsFlag(USAGE, '--confirmations', '12', 1)).toBe(12);
    expect(parseConfirmationsFlag(USAGE, '--confirmations', 'safe', 1)).toBe('safe');
    expect(parseConfirmationsFlag(USAGE, '--confirmations', 'finalized', 1)).toBe('finalized');
    expect(parseConfirmationsFlag(USAGE, '--confirmations', undefined, 1)).toBe(1);
  });

  test.each(['0', '1001', 'latest', 'Safe', '2.5', ''])(
    'refuses "%s" naming the flag, with exit 2',
    (value) => {
      const exit = usageExit(() => parseConfirmationsFlag(USAGE, '--confirmations', value, 1));
      expect(exit.exitCode).toBe(2);
      expect(exit.problem).toBe(
        `--confirmations: expected a whole number from 1 to 1000, "safe" or "finalized", got "${value}"`,
      );
    },
  );
});

describe('runSubcommand', () => {
  const subcommands = { create: async (args: string[]) => args.length };

  test('passes the remaining arguments to the subcommand', async () => {
    expect(await runSubcommand(USAGE, ['create', '--a', 'b'], subcommands)).toBe(2);
  });

  test.each([
    [['--help'], undefined],
    [['-h'], undefined],
    [[], 'a subcommand is required'],
    [['frob'], 'unknown subcommand "frob"'],
    [['--frob'], 'unknown option --frob'],
    [['toString'], 'unknown subcommand "toString"'],
  ])('%j prints the command usage (problem: %s)', async (args, problem) => {
    const exit = await runSubcommand(USAGE, args, subcommands).catch((error: unknown) => error);
    expect(exit).toBeInstanceOf(UsageExit);
    expect(exit).toMatchObject({ usage: USAGE, problem });
  });
});
