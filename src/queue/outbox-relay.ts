import type { Logger } from '../observability/logger.ts';

/**
 * The loop of an outbox relay (settle/settlement-relay.ts, notify/delivery-relay.ts): SQLite holds
 * the truth and each tick hands BullMQ what it has not seen yet. This file owns what both relays
 * must get the same way: ticks never overlap, a Redis call is bounded in time and never piled on a
 * hung one, Redis trouble is a throttled warning plus one recovery line, any other failure of a
 * tick (a store read included) is logged and the next tick runs, and a wake is never lost.
 */

export type RelayTick = {
  /** False when Redis could not be reached this tick; nothing is lost, a later tick retries. */
  redisOk: boolean;
  /** A batch was full: the loop runs again at once. */
  more: boolean;
};

export type RedisResult<R> = { ok: true; value: R } | { ok: false };
/** How a tick talks to Redis: a failure or a timeout is an answer ({ ok: false }), never a throw. */
export type RedisGate = { run<R>(operation: () => Promise<R>): Promise<RedisResult<R>> };

export type OutboxRelay<T extends RelayTick> = {
  /** One tick; calls are serialized, never overlapping. Rejects if the tick threw. */
  runOnce(): Promise<T>;
  start(): void;
  /** Runs the next tick now (e.g. right after events were written) instead of at the interval. */
  wake(): void;
  stop(): Promise<void>;
};

/** The part of a BullMQ queue the loop listens to: its 'error' event is the connection failing. */
export type QueueErrors = {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
};

/** A Redis call slower than this counts as Redis being down for this tick. */
export const REDIS_TIMEOUT_MS = 5_000;
/** At most one "Redis unavailable" warning per this long; the recovery is logged once. */
export const REDIS_WARN_EVERY_MS = 30_000;

export function createOutboxRelay<T extends RelayTick>(args: {
  /** Names the relay in its log lines (`${name} tick failed`). */
  name: string;
  logger: Logger;
  queue: QueueErrors;
  intervalMs: number;
  /** The pause after a tick that could not reach Redis; `intervalMs` unless given. */
  downIntervalMs?: number;
  redisTimeoutMs?: number;
  warnEveryMs?: number;
  messages: { down: string; up: string };
  /** Called on every Redis failure, before the (throttled) warning. */
  onRedisDown?: () => void;
  tick(redis: RedisGate): Promise<T>;
}): OutboxRelay<T> {
  const { name, logger, queue, intervalMs, messages } = args;
  const downIntervalMs = args.downIntervalMs ?? intervalMs;
  const redisTimeoutMs = args.redisTimeoutMs ?? REDIS_TIMEOUT_MS;
  const warnEveryMs = args.warnEveryMs ?? REDIS_WARN_EVERY_MS;

  // Invariant: `redisDown` is true from a Redis failure until a Redis operation next succeeds;
  // the change to down is warned at once, the state then at most once per warnEveryMs.
  let redisDown = false;
  let lastWarnAt = 0;
  // At most one Redis operation at a time: while Redis hangs, ticks skip it rather than pile up.
  let inFlight: Promise<unknown> | null = null;

  const markDown = (error: unknown) => {
    args.onRedisDown?.();
    const now = Date.now();
    if (!redisDown || now - lastWarnAt >= warnEveryMs) {
      lastWarnAt = now;
      // Only the message: job data and errors carry ids, never secrets, but stay terse anyway.
      logger.warn({ error: error instanceof Error ? error.message : String(error) }, messages.down);
    }
    redisDown = true;
  };
  const markUp = () => {
    if (redisDown) logger.info(messages.up);
    redisDown = false;
  };
  const onQueueError = (error: Error) => markDown(error);
  queue.on('error', onQueueError);

  const redis: RedisGate = {
    async run(operation) {
      if (inFlight) {
        markDown(new Error(`a queue operation has been waiting for over ${redisTimeoutMs} ms`));
        return { ok: false };
      }
      // Through a promise, so that an operation throwing synchronously is a failure like any other.
      const pending = Promise.resolve().then(operation);
      inFlight = pending;
      const settled = () => {
        if (inFlight === pending) inFlight = null;
      };
      pending.then(settled, settled);
      try {
        const value = await withTimeout(pending, redisTimeoutMs);
        markUp();
        return { ok: true, value };
      } catch (error) {
        markDown(error);
        return { ok: false };
      }
    },
  };

  // Each tick starts after the previous one has settled, whoever called runOnce.
  let chain: Promise<unknown> = Promise.resolve();
  const runOnce = (): Promise<T> => {
    const next = chain.then(() => args.tick(redis));
    chain = next.catch(() => undefined);
    return next;
  };

  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  // A wake while a tick runs has no pause to cut short: it is remembered, and the next pause is skipped.
  let woken = false;
  const wake = () => {
    woken = true;
    wakeUp?.();
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || ms === 0) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });

  async function run(): Promise<void> {
    while (running) {
      let tick: T | undefined;
      try {
        tick = await runOnce();
      } catch (error) {
        // SQLite busy beyond its timeout, a failing read, or a bug: log it and try again next tick.
        logger.error({ err: toError(error) }, `${name} tick failed`);
      }
      if (!running) break;
      await pause(tick?.more ? 0 : tick?.redisOk === false ? downIntervalMs : intervalMs);
    }
  }

  return {
    runOnce,
    wake,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake();
      await loop;
      loop = null;
      queue.off('error', onQueueError);
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue operation timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The logger's `err` serializer expects an Error; anything else thrown is wrapped. */
function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
