import { Redis } from 'ioredis';

/**
 * BullMQ's two kinds of connection (its docs, "Connections"): a producer fails fast while Redis is
 * down, so the relay notices and retries from SQLite later instead of piling commands in memory;
 * a worker's blocking connection must retry forever (`maxRetriesPerRequest: null`).
 */
export function createProducerConnection(url: string): Redis {
  return quiet(
    new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
      lazyConnect: false,
    }),
  );
}

export function createWorkerConnection(url: string): Redis {
  return quiet(
    new Redis(url, {
      maxRetriesPerRequest: null,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }),
  );
}

/**
 * The connection that publishes relay wake-ups (queue/wake-publisher.ts). A lost wake-up only
 * costs the relay its poll interval, so a publish gives up quickly: after `commandTimeout` (a hung
 * Redis) or the first failed reconnect (Redis down). It may wait in the offline queue meanwhile
 * (the first wake-ups of a process usually come before the connection is up); the publisher keeps
 * at most one command per kind outstanding, so that queue stays tiny whatever Redis does.
 */
export function createPublisherConnection(url: string): Redis {
  return quiet(
    new Redis(url, {
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }),
  );
}

/**
 * The connection that listens for relay wake-ups (queue/wake-subscriber.ts): one of its own, since
 * ioredis in subscriber mode runs no other command. Its SUBSCRIBE waits for Redis rather than
 * failing fast, it reconnects forever, and ioredis subscribes again after each reconnect
 * (`autoResubscribe`, its default).
 */
export function createSubscriberConnection(url: string): Redis {
  return quiet(
    new Redis(url, {
      maxRetriesPerRequest: null,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }),
  );
}

/**
 * QUIT, then drop the socket: QUIT waits for Redis to answer, and a Redis that is down or hung
 * must not keep the process alive, so it gets `timeoutMs` at most, and none while not connected.
 */
export async function closeConnection(redis: Redis, timeoutMs = 2_000): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  redis.disconnect();
}

/**
 * Without an 'error' listener ioredis prints "Unhandled error event" to stderr on every failed
 * reconnect, bypassing the structured logger. The failures that matter surface where the
 * connection is used (relays, queue and worker 'error' events), which log them, throttled.
 */
function quiet(redis: Redis): Redis {
  redis.on('error', () => undefined);
  return redis;
}
