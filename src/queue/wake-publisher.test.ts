import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { getFreePort } from '../devnet/free-port.ts';
import { type RedisServer, startRedisServer } from '../devnet/start-redis-server.ts';
import { waitUntil } from '../devnet/wait-until.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { WakeKind } from './wake-channels.ts';
import { createWakePublisher, type WakePublisher } from './wake-publisher.ts';
import { createWakeSubscriber, type WakeSubscriber } from './wake-subscriber.ts';

const PUBLISH_FAILED = 'cannot publish relay wake-ups';
const PUBLISHED_AGAIN = 'relay wake-ups are published again';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A logger whose lines the test reads, and a count of lines containing `text`. */
function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return {
    logger: createLogger({ level: 'debug', destination }),
    count: (text: string) => lines.filter((line) => line.includes(text)).length,
  };
}

function publisher(redisUrl: string, prefix: string, logger = capture().logger) {
  const metrics = createMetrics({ defaultMetrics: false });
  const created: WakePublisher = createWakePublisher({ redisUrl, prefix, logger, metrics });
  closers.push(() => created.close());
  const failures = async () =>
    (await metrics.wakePublishFailures.get()).values.reduce((sum, value) => sum + value.value, 0);
  return { publish: (kind: WakeKind) => created.publish(kind), failures };
}

/** A subscriber that counts the wake-ups of each kind, and resolves `ready` once Redis lists it. */
async function subscriber(redisUrl: string, prefix: string, logger = capture().logger) {
  const received = { settle: 0, deliver: 0 };
  const created: WakeSubscriber = createWakeSubscriber({
    redisUrl,
    prefix,
    logger,
    handlers: { settle: () => received.settle++, deliver: () => received.deliver++ },
  });
  closers.push(() => created.close());
  const probe = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await waitUntil(
      async () => {
        const counts = (await probe.pubsub('NUMSUB', `${prefix}:wake:settle`)) as [string, number];
        return counts[1] > 0;
      },
      { timeoutMs: 5_000 },
    );
  } finally {
    probe.disconnect();
  }
  return { received, close: () => created.close() };
}

async function privateRedis(port?: number): Promise<RedisServer> {
  const server = await startRedisServer(port === undefined ? {} : { port });
  closers.push(() => server.stop());
  return server;
}

describe('relay wake-ups on Redis pub/sub', () => {
  test('a publish wakes the handler of its kind, under its own prefix only', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = `test-${randomUUID()}`;
    const { received } = await subscriber(redisUrl, prefix);
    const other = publisher(redisUrl, `test-${randomUUID()}`);
    other.publish('settle');
    const own = publisher(redisUrl, prefix);
    own.publish('settle');
    await waitUntil(() => received.settle === 1, { timeoutMs: 5_000 });
    own.publish('deliver');
    await waitUntil(() => received.deliver === 1, { timeoutMs: 5_000 });
    // Redis keeps one connection's messages in order: the other prefix's publish went first and never arrived.
    expect(received).toEqual({ settle: 1, deliver: 1 });
  });

  test('while a publish is in flight, further wake-ups of its kind coalesce into one sent after it', async () => {
    const redisUrl = inject('redisUrl');
    const prefix = `test-${randomUUID()}`;
    const { received } = await subscriber(redisUrl, prefix);
    const { publish } = publisher(redisUrl, prefix);
    // In one go: the first PUBLISH cannot be answered before the loop turns, so it is in flight for all.
    for (let i = 0; i < 100; i++) publish('settle');
    await waitUntil(() => received.settle >= 2, { timeoutMs: 5_000 });
    publish('deliver');
    // Delivered in order on the one connection: once it arrives, no third settle is on its way.
    await waitUntil(() => received.deliver === 1, { timeoutMs: 5_000 });
    expect(received.settle).toBe(2);
  });

  test('with Redis unreachable a publish returns at once; failures are counted and logged once, recovery once', async () => {
    const port = await getFreePort();
    const log = capture();
    const { publish, failures } = publisher(`redis://127.0.0.1:${port}`, 'stablegate', log.logger);
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect(() => publish('settle')).not.toThrow();
      expect(performance.now() - started).toBeLessThan(5);
      await waitUntil(async () => (await failures()) === i + 1, { timeoutMs: 5_000 });
    }
    expect(log.count(PUBLISH_FAILED)).toBe(1);

    const redis = await privateRedis(port);
    const { received } = await subscriber(redis.url, 'stablegate');
    // The publisher reconnects by itself (within its 2 s retry step); until then publishes fail.
    await waitUntil(
      () => {
        publish('settle');
        return received.settle > 0;
      },
      { timeoutMs: 10_000 },
    );
    // The subscriber may hear the message before the publisher hears Redis's answer.
    await waitUntil(() => log.count(PUBLISHED_AGAIN) === 1, { timeoutMs: 5_000 });
    expect(log.count(PUBLISH_FAILED)).toBe(1);
  });

  test('a Redis that refuses pub/sub is logged once by the subscriber, which still closes', async () => {
    const redis = await privateRedis();
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    closers.push(async () => admin.disconnect());
    // As a proxy or a managed Redis without pub/sub would: SUBSCRIBE and PUBLISH are refused.
    await admin.call('ACL', 'SETUSER', 'default', '-@pubsub');
    const log = capture();
    const created = createWakeSubscriber({
      redisUrl: redis.url,
      logger: log.logger,
      handlers: { settle: () => undefined },
    });
    closers.push(() => created.close());
    await waitUntil(() => log.count('cannot subscribe to relay wake-ups') === 1, { timeoutMs: 5_000 });
    await created.close();
  });

  test('closing a subscriber whose Redis is down takes bounded time', async () => {
    const port = await getFreePort();
    const log = capture();
    const created = createWakeSubscriber({
      redisUrl: `redis://127.0.0.1:${port}`,
      logger: log.logger,
      handlers: { settle: () => undefined },
    });
    const started = performance.now();
    await created.close();
    expect(performance.now() - started).toBeLessThan(3_000);
    // The SUBSCRIBE that never got through is not reported as a failure at shutdown.
    expect(log.count('cannot subscribe')).toBe(0);
  });
});
