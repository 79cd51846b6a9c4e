import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, whenExited } from '../../src/devnet/stop-child.ts';
import { BENCH_DIR, cpuProfileArgs } from './results.ts';

const CLI = join(BENCH_DIR, '..', 'bin', 'stablegate.js');
const START_TIMEOUT_MS = 60_000;

export type CliProcess = { pid: number; stop(): Promise<void> };

/** The CLI runs dist/: build it once from the sources being measured. */
export function buildCli(): void {
  execFileSync(process.execPath, [join(BENCH_DIR, '..', 'bin', 'build.js')], { stdio: 'inherit' });
}

/**
 * `stablegate <command>` as production runs it (the built CLI, LOG_LEVEL=info unless `env` says
 * otherwise), configured by `env` only. Resolves once it logs `ready` (pino's `msg`, e.g. 'API
 * listening', 'workers started'); its log keeps being read and dropped. `profile`: --cpu-prof it
 * into bench/results/profiles/<profile>/.
 */
export async function startCli(
  command: 'serve' | 'work',
  env: Record<string, string>,
  options: { ready: string; profile?: string },
): Promise<CliProcess> {
  const nodeArgs = options.profile ? cpuProfileArgs(options.profile) : [];
  const child = spawn(process.execPath, [...nodeArgs, CLI, command], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  };
  child.stderr?.on('data', keep);
  const ready = new Promise<void>((resolve) => {
    let line = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      line += chunk.toString('utf8');
      const lines = line.split('\n');
      line = lines.pop() ?? '';
      if (lines.some((text) => text.includes(`"msg":"${options.ready}"`))) resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const failed = Promise.race([
    whenExited(child),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`not ready in ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    }),
  ]);
  const outcome = await Promise.race([ready.then(() => null), failed]);
  clearTimeout(timer);
  if (outcome !== null) {
    await stopChild(child);
    throw new Error(`stablegate ${command} ${outcome}\n${tail}`);
  }
  return { pid: child.pid as number, stop: () => stopChild(child, 20_000) };
}
