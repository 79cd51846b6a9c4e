import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../devnet/wait-until.ts';
import { createLogger } from '../observability/logger.ts';
import { createOutboxRelay, type OutboxRelay, type RedisGate, type RelayTick } from './outbox-relay.ts';

const messages = { down: 'test redis down', up: 'test redis up' };

let lines: string[];
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let queue: EventEmitter;
let relays: OutboxRelay<RelayTick>[];

beforeEach(() => {
  lines = [];
  unhandled = [];
  queue = new EventEmitter();
  relays = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await Promise.all(relays.map((relay) => relay.stop()));
  process.off('unhandledRejection', onUnhandled);
});

/** A relay whose log lines land in `lines`; its tick is the test's. */
function relay(
  tick: (redis: RedisGate) => Promise<RelayTick>,
  options: {
    intervalMs?: number;
    redisTimeoutMs?: number;
    warnEveryMs?: number;
    onRedisDown?: () => void;
  } = {},
) {
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const created = createOutboxRelay({
    name: 'test relay',
    logger: createLogger({ level: 'debug', destination }),
    queue,
    intervalMs: options.intervalMs ?? 10,
    messages,
    tick,
    ...(options.redisTimeoutMs === undefined ? {} : { redisTimeoutMs: options.redisTimeoutMs }),
    ...(options.warnEveryMs === undefined ? {} : { warnEveryMs: options.warnEveryMs }),
    ...(options.onRedisDown ? { onRedisDown: options.onRedisDown } : {}),
  });
  relays.push(created);
  return created;
}

const logged = (text: string) => lines.filter((line) => line.includes(text)).length;

/** A promise the test settles by hand. */
function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const healthy: RelayTick = { redisOk: true, more: false };

describe('createOutboxRelay', () => {
  it('logs a tick that throws and runs the next one: the loop lives', async () => {
    let ticks = 0;
    const loop = relay(async () => {
      ticks++;
      // A store read failing as SQLite does (a disk error, a table gone), once.
      if (ticks === 1)
        throw Object.assign(new Error('SQLITE_IOERR: disk I/O error'), { code: 'SQLITE_IOERR' });
      return healthy;
    });
    loop.start();
    await waitUntil(() => ticks >= 3, { timeoutMs: 5_000 });
    await loop.stop();
    expect(logged('test relay tick failed')).toBe(1);
    expect(logged('SQLITE_IOERR')).toBe(1);
    expect(unhandled).toEqual([]);
  });

  it('never runs two ticks at once, whoever calls runOnce', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let started = 0;
    let active = 0;
    let most = 0;
    const serial = relay(async () => {
      const gate = gates[started++];
      active++;
      most = Math.max(most, active);
      await gate?.promise;
      active--;
      return healthy;
    });
    const runs = [serial.runOnce(), serial.runOnce(), serial.runOnce()];
    await waitUntil(() => started === 1, { timeoutMs: 1_000 });
    gates[0]?.resolve();
    await waitUntil(() => started === 2, { timeoutMs: 1_000 });
    expect(active).toBe(1);
    gates[1]?.resolve();
    gates[2]?.resolve();
    await Promise.all(runs);
    expect({ started, most }).toEqual({ started: 3, most: 1 });
  });

  it('runs a tick at once for a wake that came while a tick ran', async () => {
    const first = deferred();
    let ticks = 0;
    // An interval no test waits out: only the wake can start the second tick in time.
    const woken = relay(
      async () => {
        ticks++;
        if (ticks === 1) await first.promise;
        return healthy;
      },
      { intervalMs: 60_000 },
    );
    woken.start();
    await waitUntil(() => ticks === 1, { timeoutMs: 1_000 });
    woken.wake();
    first.resolve();
    await waitUntil(() => ticks === 2, { timeoutMs: 2_000 });
  });

  it('bounds a hung Redis operation and does not pile another on it', async () => {
    const hung = deferred();
    let calls = 0;
    const tick = async (redis: RedisGate) => {
      const result = await redis.run(async () => {
        calls++;
        if (calls === 1) await hung.promise;
        return 'OK';
      });
      return { redisOk: result.ok, more: false };
    };
    let downs = 0;
    const bounded = relay(tick, { redisTimeoutMs: 50, onRedisDown: () => downs++ });
    const started = Date.now();
    expect(await bounded.runOnce()).toEqual({ redisOk: false, more: false });
    // The second tick finds the first operation still waiting and does not add another.
    expect(await bounded.runOnce()).toEqual({ redisOk: false, more: false });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect({ calls, downs }).toEqual({ calls: 1, downs: 2 });
    expect(logged(messages.down)).toBe(1);

    hung.resolve();
    await waitUntil(async () => (await bounded.runOnce()).redisOk, { timeoutMs: 1_000 });
    expect(calls).toBe(2);
    expect(logged(messages.up)).toBe(1);
  });

  it('warns at most once per warnEveryMs while Redis is down, and logs its recovery once', async () => {
    let up = false;
    const tick = async (redis: RedisGate) => {
      const result = await redis.run(async () => {
        if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        return 'OK';
      });
      return { redisOk: result.ok, more: false };
    };
    const throttled = relay(tick, { warnEveryMs: 200 });
    const started = Date.now();
    for (let i = 0; i < 5; i++) await throttled.runOnce();
    expect(logged(messages.down)).toBe(1);
    // Still down a warnEveryMs later: one more warning, not one per tick.
    await waitUntil(async () => (await throttled.runOnce()) && logged(messages.down) === 2, {
      timeoutMs: 2_000,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    up = true;
    for (let i = 0; i < 3; i++) expect(await throttled.runOnce()).toEqual(healthy);
    expect(logged(messages.up)).toBe(1);
    expect(logged(messages.down)).toBe(2);
  });

  it("takes the queue's 'error' event for Redis down, and lets go of the queue when stopped", async () => {
    let downs = 0;
    const listening = relay(async () => healthy, { onRedisDown: () => downs++ });
    listening.start();
    queue.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    queue.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(downs).toBe(2);
    expect(logged(messages.down)).toBe(1);
    await listening.stop();
    expect(queue.listenerCount('error')).toBe(0);
  });
});
