import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getFreePort } from './free-port.ts';
import { createOutputTail } from './output-tail.ts';
import { stopChild, whenExited } from './stop-child.ts';
import { waitUntil } from './wait-until.ts';

export const DEFAULT_CHAIN_ID = 31337;
/** The file inside `stateDir` that anvil loads at start and dumps while it runs and on exit. */
export const ANVIL_STATE_FILE = 'anvil-state.json';
const START_TIMEOUT_MS = 30_000;
// A dump every few seconds bounds what a crash (SIGKILL, power loss) can lose; SIGTERM dumps too.
const STATE_INTERVAL_S = 2;

export type StartAnvilOptions = {
  port?: number;
  /** Seconds between blocks; absent means one block per transaction (anvil's automine). */
  blockTime?: number;
  chainId?: number;
  /** Persist the chain (accounts, code, blocks, logs) here so a restart finds it again. */
  stateDir?: string;
  mnemonic?: string;
  /** How long to wait for anvil to answer; loading a large state file takes a while. */
  startTimeoutMs?: number;
};

export type Anvil = {
  rpcUrl: string;
  wsUrl: string;
  port: number;
  chainId: number;
  /** The anvil process id, for tests that need to signal it. */
  pid: number;
  stop(): Promise<void>;
};

/** Anvil exited or did not answer before it became ready; `output` holds its last words. */
export class AnvilStartError extends Error {
  readonly code = 'anvil_start_failed';
  readonly retryable = false;
  override readonly name = 'AnvilStartError';
  readonly output: string;
  constructor(message: string, output: string, options?: ErrorOptions) {
    super(output ? `${message}\n${output}` : message, options);
    this.output = output;
  }
}

type AnvilCommand = { command: string; args: string[] };

// npm's `process.arch` names against the names @foundry-rs uses for its per-platform packages.
const ARCH_NAMES: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64' };

/**
 * Finds the anvil executable shipped by the `@foundry-rs/anvil` npm package: the per-platform
 * package's binary when installed (no wrapper process between us and anvil, so signals reach it),
 * else the package's `bin.mjs` wrapper run with this Node.
 */
export function resolveAnvilCommand(): AnvilCommand {
  const require = createRequire(import.meta.url);
  const arch = ARCH_NAMES[process.arch];
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  if (arch) {
    try {
      const path = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${binary}`);
      if (existsSync(path)) return { command: path, args: [] };
    } catch {
      // Not installed for this platform: fall back to the wrapper, which knows more layouts.
    }
  }
  try {
    return { command: process.execPath, args: [require.resolve('@foundry-rs/anvil/bin.mjs')] };
  } catch (error) {
    throw new AnvilNotInstalledError(error);
  }
}

/**
 * anvil is a dev dependency: a production install (`npm ci --omit=dev`) must not run its
 * install script, which downloads a binary. `stablegate dev` then needs `--rpc-url`.
 */
export class AnvilNotInstalledError extends Error {
  override readonly name = 'AnvilNotInstalledError';
  constructor(cause: unknown) {
    super(
      'anvil is not installed (the @foundry-rs/anvil dev dependency): run `npm ci` without --omit=dev, or pass --rpc-url <node>',
      { cause },
    );
  }
}

function anvilArgs(port: number, chainId: number, options: StartAnvilOptions): string[] {
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)];
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.mnemonic !== undefined) args.push('--mnemonic', options.mnemonic);
  if (options.stateDir !== undefined) {
    mkdirSync(options.stateDir, { recursive: true });
    // `--state` loads the file when it exists and dumps to it on exit (SIGTERM included); the
    // interval adds periodic dumps so a crash loses seconds, not the session. Blocks, receipts
    // and logs survive a reload. Not `--preserve-historical-states`: it makes old blocks' state
    // (and anvil_reorg across the restart) available, but the file grew to 1.3 GB in 4,000 blocks.
    args.push(
      '--state',
      join(options.stateDir, ANVIL_STATE_FILE),
      '--state-interval',
      String(STATE_INTERVAL_S),
    );
  }
  return args;
}

/** Answers the chain id when anvil serves JSON-RPC at `rpcUrl`, else undefined. */
async function readChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === 'string' ? Number.parseInt(body.result, 16) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts anvil on 127.0.0.1 and resolves once it answers `eth_chainId` with the requested chain.
 * Readiness also waits for anvil's own "Listening on" line, so a port taken by another node
 * (which would answer too) surfaces as anvil's bind error instead of a silent mix-up.
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<Anvil> {
  const port = options.port ?? (await getFreePort());
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
  const { command, args } = resolveAnvilCommand();
  const child = spawn(command, [...args, ...anvilArgs(port, chainId, options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TARGET_TOOL: 'anvil' },
  });
  // Anvil writes its errors to stderr; stdout (banner, one line per RPC call) is only drained.
  const output = createOutputTail([child.stderr]);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);

  const listeningLine = `Listening on 127.0.0.1:${port}`;
  let listening = false;
  let recent = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (listening) return;
    // Keep a short window so the line is found even when it arrives split across chunks.
    recent += chunk.toString('utf8');
    listening = recent.includes(listeningLine);
    recent = recent.slice(-listeningLine.length);
  });

  try {
    await waitUntil(async () => listening && (await readChainId(rpcUrl)) === chainId, {
      timeoutMs: options.startTimeoutMs ?? START_TIMEOUT_MS,
      exited: whenExited(child),
    });
  } catch (error) {
    await stop();
    const message = `anvil did not start on ${rpcUrl}: ${(error as Error).message}`;
    throw new AnvilStartError(message, output.text(), { cause: error });
  }
  if (child.pid === undefined) throw new AnvilStartError('anvil has no process id', output.text());
  return { rpcUrl, wsUrl: `ws://127.0.0.1:${port}`, port, chainId, pid: child.pid, stop };
}
