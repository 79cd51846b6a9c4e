import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { getFreePort } from './free-port.ts';
import { createOutputTail } from './output-tail.ts';
import { stopChild, whenExited } from './stop-child.ts';
import { waitUntil } from './wait-until.ts';

const START_TIMEOUT_MS = 20_000;
const PING_TIMEOUT_MS = 1_000;

export type StartRedisServerOptions = {
  /** Keep an append-only file here so a restart finds the queues again; absent: memory only. */
  dir?: string;
  port?: number;
  startTimeoutMs?: number;
};

export type RedisServer = {
  url: string;
  port: number;
  pid: number;
  /** SIGTERM (redis-server then shuts down without an RDB save, as `--save ''` says) and wait for exit. */
  stop(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing, like a hung Redis. */
  pause(): void;
  /** SIGCONT: undoes `pause()`. */
  resume(): void;
};

/** `redis-server` is not on PATH; the message says how to get it or how to use another Redis. */
export class RedisServerNotFoundError extends Error {
  readonly code = 'redis_server_not_found';
  readonly retryable = false;
  override readonly name = 'RedisServerNotFoundError';
  constructor(options?: ErrorOptions) {
    super(
      'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, ' +
        'macOS: `brew install redis`) or set REDIS_URL to a Redis you run yourself.',
      options,
    );
  }
}

/** redis-server exited or did not answer PING in time; `output` holds its last log lines. */
export class RedisServerStartError extends Error {
  readonly code = 'redis_server_start_failed';
  readonly retryable = false;
  override readonly name = 'RedisServerStartError';
  readonly output: string;
  constructor(message: string, output: string, options?: ErrorOptions) {
    super(output ? `${message}\n${output}` : message, options);
    this.output = output;
  }
}

/** The absolute path of `redis-server` on PATH, or undefined. */
export function findRedisServer(path = process.env.PATH ?? ''): string | undefined {
  const names = process.platform === 'win32' ? ['redis-server.exe'] : ['redis-server'];
  for (const dir of path.split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here; try the next PATH entry.
      }
    }
  }
  return undefined;
}

/** True when a Redis at 127.0.0.1:port answers PING with PONG (not -LOADING while it reads its AOF). */
export function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PING_TIMEOUT_MS, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

function redisArgs(port: number, dir: string | undefined): string[] {
  // No RDB snapshots ever: with a dir, the append-only file is the one persistence; without, none.
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--daemonize', 'no'];
  if (dir === undefined) return [...args, '--appendonly', 'no'];
  mkdirSync(dir, { recursive: true });
  return [...args, '--appendonly', 'yes', '--dir', dir];
}

/**
 * Starts a private redis-server on 127.0.0.1 and resolves once it answers PING. Readiness also
 * waits for its "Ready to accept connections" log line, printed only after its own bind, so a
 * Redis already on the port cannot be mistaken for ours.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (binary === undefined) throw new RedisServerNotFoundError();
  const port = options.port ?? (await getFreePort());
  const child = spawn(binary, redisArgs(port, options.dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = createOutputTail([child.stdout, child.stderr]);
  const stop = () => stopChild(child);

  try {
    await waitUntil(
      async () => /ready to accept connections/i.test(output.text()) && (await pingRedis(port)),
      {
        timeoutMs: options.startTimeoutMs ?? START_TIMEOUT_MS,
        exited: whenExited(child),
      },
    );
  } catch (error) {
    await stop();
    if ((error as Error).message.includes('ENOENT')) throw new RedisServerNotFoundError({ cause: error });
    const message = `redis-server did not start on 127.0.0.1:${port}: ${(error as Error).message}`;
    throw new RedisServerStartError(message, output.text(), { cause: error });
  }
  const { pid } = child;
  if (pid === undefined) throw new RedisServerStartError('redis-server has no process id', output.text());
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop,
    pause: () => signal(child, 'SIGSTOP'),
    resume: () => signal(child, 'SIGCONT'),
  };
}

function signal(child: ChildProcess, name: 'SIGSTOP' | 'SIGCONT'): void {
  if (!child.kill(name)) throw new Error(`could not send ${name} to redis-server (pid ${child.pid})`);
}
