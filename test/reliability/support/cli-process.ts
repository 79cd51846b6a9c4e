import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../../src/devnet/wait-until.ts';

const BIN = fileURLToPath(new URL('../../../bin/stablegate.js', import.meta.url));
/** How much of a process's output is kept: enough to explain a failure, never unbounded. */
const MAX_OUTPUT_LINES = 2_000;

export type CliProcess = {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Output lines (stdout and stderr) kept so far, oldest first. */
  lines(): string[];
  /** Resolves once a line matches, rejects at the deadline or when the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  kill(signal?: NodeJS.Signals): void;
};

/**
 * Runs `node bin/stablegate.js <args>` (or a TypeScript `script` through tsx) with an environment
 * made of the essentials and `env` only: a developer's REDIS_URL or DATABASE_PATH never leaks in.
 */
export function startCli(
  name: string,
  args: string[],
  env: Record<string, string>,
  options: { script?: string } = {},
): CliProcess {
  const entry = options.script ? ['--import', 'tsx', options.script] : [BIN];
  const child = spawn(process.execPath, [...entry, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn`);
  const kept: string[] = [];
  let partial = '';
  const onChunk = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    kept.push(...parts);
    if (kept.length > MAX_OUTPUT_LINES) kept.splice(0, kept.length - MAX_OUTPUT_LINES);
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const exitReason = exited.then(
    ({ code, signal }) => `${name} exited (code ${code}, signal ${signal}):\n${kept.slice(-30).join('\n')}`,
  );
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    pid: child.pid,
    lines: () => [...kept, ...(partial ? [partial] : [])],
    async waitForLine(pattern, timeoutMs = 30_000) {
      let found: string | undefined;
      await waitUntil(
        () => {
          found = kept.find((line) => pattern.test(line));
          return found !== undefined;
        },
        { timeoutMs, exited: exitReason },
      ).catch((error: Error) => {
        throw new Error(`${name}: no line matching ${pattern}: ${error.message}`);
      });
      return found as string;
    },
    exited,
    isRunning,
    kill(signal = 'SIGTERM') {
      if (isRunning()) child.kill(signal);
    },
  };
}

/** SIGKILL and wait for the exit: what a power cut or the OOM killer does to a process. */
export async function killHard(process: CliProcess): Promise<void> {
  process.kill('SIGKILL');
  await process.exited;
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`; for cleanup after a test. */
export async function stopGently(process: CliProcess, graceMs = 10_000): Promise<void> {
  if (!process.isRunning()) return;
  process.kill('SIGTERM');
  const timer = setTimeout(() => process.kill('SIGKILL'), graceMs);
  await process.exited;
  clearTimeout(timer);
}
