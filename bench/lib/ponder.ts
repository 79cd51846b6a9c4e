import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { stopChild } from '../../src/devnet/stop-child.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { BENCH_DIR, cpuProfileArgs } from './results.ts';

export const PONDER_VERSION = '0.16.10';
const PONDER_BIN = join(BENCH_DIR, 'node_modules', 'ponder', 'dist', 'esm', 'bin', 'ponder.js');
const PONDER_ROOT = join(BENCH_DIR, 'ponder');

export type PonderOptions = {
  rpcUrl: string;
  wsUrl?: string;
  chainId: number;
  token: string;
  startBlock: number;
  endBlock?: number;
  pollMs: number;
  /** Only transfers to these addresses become rows (the matching stablegate does). */
  watched?: readonly string[];
  cpuProfile?: string;
};

export type Ponder = {
  url: string;
  pid: number;
  /** GET /ready answers 200: the historical range is indexed. */
  isReady(): Promise<boolean>;
  rows(): Promise<{ to: string; indexedAt: number }[]>;
  count(): Promise<number>;
  /** The sum of a Prometheus metric's samples from Ponder's /metrics (NaN if absent). */
  metric(name: string): Promise<number>;
  output(): string;
  stop(): Promise<void>;
};

/**
 * Runs `ponder start` (Ponder 0.16.10, installed in bench/ only) on the bench project in
 * bench/ponder, with a fresh PGlite directory, and resolves once its HTTP server answers.
 */
export async function startPonder(options: PonderOptions): Promise<Ponder> {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-bench-ponder-'));
  const env: Record<string, string> = {
    PONDER_RPC_URL: options.rpcUrl,
    PONDER_CHAIN_ID: String(options.chainId),
    PONDER_TOKEN: options.token,
    PONDER_START_BLOCK: String(options.startBlock),
    PONDER_POLL_MS: String(options.pollMs),
    PONDER_DB_DIR: join(dir, 'pglite'),
    PONDER_TELEMETRY_DISABLED: 'true',
  };
  if (options.wsUrl) env.PONDER_WS_URL = options.wsUrl;
  if (options.endBlock !== undefined) env.PONDER_END_BLOCK = String(options.endBlock);
  if (options.watched) {
    const file = join(dir, 'watched.json');
    writeFileSync(file, JSON.stringify(options.watched));
    env.PONDER_WATCHED_FILE = file;
  }
  const port = await getFreePort();
  const nodeArgs: string[] = [];
  if (options.cpuProfile) {
    nodeArgs.push(...cpuProfileArgs(options.cpuProfile));
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...nodeArgs,
      PONDER_BIN,
      '--root',
      PONDER_ROOT,
      '--log-level',
      'warn',
      '--log-format',
      'json',
      'start',
      '--schema',
      `bench_${process.pid}_${port}`,
      '--port',
      String(port),
      '--hostname',
      '127.0.0.1',
    ],
    { cwd: PONDER_ROOT, env: { ...process.env, ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`ponder exited (code ${code}, signal ${signal})`)),
  );
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string) => fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  const stop = async () => {
    await stopChild(child, 15_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => {
        try {
          return (await get('/health')).ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 120_000, exited },
    );
  } catch (error) {
    await stop();
    throw new Error(`ponder did not start: ${(error as Error).message}\n${output}`);
  }
  if (child.pid === undefined) throw new Error('ponder has no pid');
  return {
    url,
    pid: child.pid,
    async isReady() {
      try {
        return (await get('/ready')).status === 200;
      } catch {
        return false;
      }
    },
    async rows() {
      const response = await get('/bench/rows');
      if (!response.ok) throw new Error(`ponder /bench/rows: ${response.status}`);
      return (await response.json()) as { to: string; indexedAt: number }[];
    },
    async count() {
      const response = await get('/bench/count');
      if (!response.ok) throw new Error(`ponder /bench/count: ${response.status}`);
      return ((await response.json()) as { rows: number }).rows;
    },
    async metric(name) {
      const text = await (await get('/metrics')).text();
      let sum = Number.NaN;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name) || !/^[a-z_]+(\{[^}]*\})? /.test(line)) continue;
        if (line.slice(name.length, name.length + 1) !== ' ' && line[name.length] !== '{') continue;
        sum = (Number.isNaN(sum) ? 0 : sum) + Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    },
    output: () => output,
    stop,
  };
}
