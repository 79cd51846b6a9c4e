import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Confirmations, FINALITY_TAGS, type FinalityTag } from '../domain/chain.ts';

/**
 * Ends a command by printing its usage: `--help` prints it on stdout and exits 0; a bad flag or
 * value prints one line naming it, then the usage, on stderr and exits 2 (the usual shell
 * convention for misuse). main() turns it into output; a command never prints usage itself.
 */
export class UsageExit extends Error {
  readonly usage: string;
  /** The one line that names what is wrong; absent when help was asked for. */
  readonly problem: string | undefined;
  constructor(usage: string, problem?: string) {
    super(problem ?? 'help requested');
    this.usage = usage;
    this.problem = problem;
  }
  get exitCode(): 0 | 2 {
    return this.problem === undefined ? 0 : 2;
  }
}

type CommandArgsConfig = Omit<ParseArgsConfig, 'args' | 'strict' | 'tokens'>;

/** True when `--help` or `-h` comes before a `--` (after it, they are positionals). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  return flags.includes('--help') || flags.includes('-h');
}

/**
 * `parseArgs` in strict mode, with `--help`/`-h` on every command and node's parse errors
 * (ERR_PARSE_ARGS_*, which would otherwise surface as a stack trace) as a {@link UsageExit}.
 */
export function parseCommandArgs<const T extends CommandArgsConfig>(
  usage: string,
  args: readonly string[],
  config: T,
): ReturnType<typeof parseArgs<T & { args: string[]; strict: true }>> {
  if (wantsHelp(args)) throw new UsageExit(usage);
  try {
    return parseArgs({ ...config, args: [...args], strict: true });
  } catch (error) {
    const problem = describeParseError(error);
    if (problem === undefined) throw error;
    throw new UsageExit(usage, problem);
  }
}

/** node:util's messages, shortened to the part that names the flag or argument. */
function describeParseError(error: unknown): string | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted ?? message}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // "Option '--port <value>' argument missing", "Option '--json' does not take an argument".
      return `${(quoted ?? '').replace(/ <value>$/, '')}: ${message.replace(/^Option '[^']+' /, '')}`;
    default:
      return undefined;
  }
}

/**
 * A whole number flag within [min, max]; absent gives `fallback`. Anything else ("3000abc",
 * "1e3", "-1") is a usage error naming the flag, never a NaN passed on.
 */
export function parseIntegerFlag(
  usage: string,
  flag: string,
  value: string | undefined,
  range: { min: number; max: number; fallback: number },
): number {
  if (value === undefined) return range.fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < range.min || number > range.max) {
    const expected =
      range.max === Number.MAX_SAFE_INTEGER ? `at least ${range.min}` : `from ${range.min} to ${range.max}`;
    throw new UsageExit(usage, `${flag}: expected a whole number ${expected}, got "${value}"`);
  }
  return number;
}

/** A chain's confirmation rule, as the chains file takes it: 1–1000 blocks, `safe` or `finalized`. */
export function parseConfirmationsFlag(
  usage: string,
  flag: string,
  value: string | undefined,
  fallback: Confirmations,
): Confirmations {
  if (value === undefined) return fallback;
  if ((FINALITY_TAGS as readonly string[]).includes(value)) return value as FinalityTag;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || number > 1000)
    throw new UsageExit(
      usage,
      `${flag}: expected a whole number from 1 to 1000, "safe" or "finalized", got "${value}"`,
    );
  return number;
}

/** A TCP port to listen on or connect to. */
export const parsePortFlag = (usage: string, flag: string, value: string | undefined, fallback: number) =>
  parseIntegerFlag(usage, flag, value, { min: 1, max: 65_535, fallback });

export type Subcommand = (args: string[]) => Promise<number>;

/**
 * `stablegate <command> <subcommand> …` (e.g. `merchant create`, `key revoke`): `--help` or no
 * subcommand prints the command's usage, an unknown one is a usage error, and the rest of the
 * arguments go to the subcommand, which parses them with its own usage.
 */
export async function runSubcommand(
  usage: string,
  args: readonly string[],
  subcommands: Record<string, Subcommand>,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) throw new UsageExit(usage, 'a subcommand is required');
  if (name === '--help' || name === '-h') throw new UsageExit(usage);
  const subcommand = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!subcommand)
    throw new UsageExit(
      usage,
      name.startsWith('-') ? `unknown option ${name}` : `unknown subcommand "${name}"`,
    );
  return subcommand(rest);
}
