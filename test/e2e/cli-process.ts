import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitUntil } from '../../src/devnet/wait-until.ts';

/** The CLI as an operator runs it: `node bin/stablegate.js <command>`, from the project folder. */
const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/stablegate.js', import.meta.url));
/** After SIGTERM, how long `stop` waits before it kills the whole process group. */
const KILL_AFTER_MS = 30_000;

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type CliProcess = {
  pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** stdout lines that are pino JSON, parsed; other lines (the devnet summary) are skipped. */
  logs(): { msg?: string; [key: string]: unknown }[];
  exited: Promise<Exit>;
  hasExited(): boolean;
  /** True while any process of its group (the CLI, or an anvil or redis-server it started) lives. */
  groupAlive(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** Waits for an exit, rejecting with the process's output after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<Exit>;
  /**
   * Cleanup for afterEach: SIGTERM, then SIGKILL to the process group (the anvil and redis-server
   * a `dev` process started go with it) if it is still running after a grace period.
   */
  stop(): Promise<void>;
};

/** The environment for a child: ours, minus the given variables, plus `env`. */
export function childEnv(env: Record<string, string>, remove: readonly string[] = []): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  for (const name of remove) delete result[name];
  return result;
}

/**
 * Spawns the CLI in its own process group (`detached`), so cleanup can reach the processes it
 * starts even when it never gets to stop them itself.
 */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    cwd: PROJECT_DIR,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn stablegate ${args.join(' ')}`);
  const pid = child.pid;
  let stdout = '';
  let all = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    all += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    all += chunk.toString('utf8');
  });
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };

  return {
    pid,
    output: () => all,
    logs: () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as { msg?: string }];
          } catch {
            return [];
          }
        }),
    exited,
    hasExited: () => exit !== null,
    groupAlive: () => {
      try {
        process.kill(-pid, 0);
        return true;
      } catch {
        return false;
      }
    },
    signal: (signal) => {
      child.kill(signal);
    },
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`stablegate ${args[0]} did not exit within ${timeoutMs} ms:\n${tail(all)}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      if (exit === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(killGroup, KILL_AFTER_MS);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the process left behind in its group (it was killed, or it crashed).
      killGroup();
    },
  };
}

/** Runs a one-shot command (`migrate`, `merchant create`) and resolves with its stdout. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, ...args], {
    cwd: PROJECT_DIR,
    env,
    timeout: 30_000,
  });
  return stdout;
}

export type CliResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs a one-shot command to its end whatever its exit code (usage errors, refusals), with
 * `input` written to its stdin and stdin then closed.
 */
export function runCliResult(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: PROJECT_DIR, env, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        if (error && typeof code !== 'number') reject(error);
        else resolve({ code: code as number, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** Waits for `condition`; on timeout or an early exit the error quotes the process's output. */
export async function waitForProcess(
  cli: CliProcess,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; what: string },
): Promise<void> {
  const exitedEarly = cli.exited.then((exit) => `exited (code ${exit.code}, signal ${exit.signal})`);
  try {
    await waitUntil(condition, { timeoutMs: options.timeoutMs, exited: exitedEarly });
  } catch (error) {
    throw new Error(`${options.what}: ${(error as Error).message}\n${tail(cli.output())}`, { cause: error });
  }
}

export function tail(text: string, lines = 40): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
