import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpuProfileArgs } from './results.ts';

export type ChildMessage = { type: string; [key: string]: unknown };

export type ChildHandle = {
  child: ChildProcess;
  pid: number;
  /** Resolves with the next message of this type (or rejects at the deadline or on exit). */
  message(type: string, timeoutMs?: number): Promise<ChildMessage>;
  send(message: ChildMessage): void;
  /** The last lines it wrote to stderr, for error reports. */
  stderr(): string;
  /** Asks it to stop over IPC (so a --cpu-prof profile is written), then SIGTERM, then SIGKILL. */
  stop(timeoutMs?: number): Promise<void>;
  /** Calls `listener` with every message of this type (such messages are not queued). */
  on(type: string, listener: (message: ChildMessage) => void): void;
};

const require = createRequire(import.meta.url);

/**
 * Runs a TypeScript file in its own Node process (tsx's loader), with an IPC channel. The system
 * under test runs apart from the load generator and the measuring code, each on its own event loop.
 */
export function spawnTsx(
  script: string,
  options: { env?: Record<string, string>; cpuProfile?: string; args?: string[] } = {},
): ChildHandle {
  const nodeArgs = ['--import', require.resolve('tsx/esm'), '--expose-gc'];
  if (options.cpuProfile) {
    nodeArgs.push(...cpuProfileArgs(options.cpuProfile));
  }
  const child = spawn(process.execPath, [...nodeArgs, script, ...(options.args ?? [])], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(`exited (code ${code}, signal ${signal})`)),
  );
  const inbox: ChildMessage[] = [];
  const listeners = new Map<string, (message: ChildMessage) => void>();
  const waiters: { type: string; resolve: (message: ChildMessage) => void }[] = [];
  child.on('message', (raw) => {
    const message = raw as ChildMessage;
    const listener = listeners.get(message.type);
    if (listener) {
      listener(message);
      return;
    }
    const index = waiters.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0]?.resolve(message);
    else inbox.push(message);
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`);
  return {
    child,
    pid: child.pid,
    send: (message) => child.send(message),
    stderr: () => tail,
    on: (type, listener) => {
      listeners.set(type, listener);
    },
    message(type, timeoutMs = 120_000) {
      const queued = inbox.findIndex((message) => message.type === type);
      if (queued >= 0) return Promise.resolve(inbox.splice(queued, 1)[0] as ChildMessage);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no '${type}' from ${script} in ${timeoutMs} ms\n${tail}`)),
          timeoutMs,
        );
        void exited.then((reason) => {
          clearTimeout(timer);
          reject(new Error(`${script} ${reason} before '${type}'\n${tail}`));
        });
        waiters.push({
          type,
          resolve: (message) => {
            clearTimeout(timer);
            resolve(message);
          },
        });
      });
    },
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' });
      const term = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}

/** In a child: resolves when the parent asks it to stop (IPC 'stop', SIGTERM or a lost parent). */
export function whenStopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.on('message', (message) => {
      if ((message as ChildMessage).type === 'stop') resolve();
    });
    process.once('disconnect', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export function sendToParent(message: ChildMessage): void {
  process.send?.(message);
}
