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
 * Without an 'error' listener ioredis prints "Unhandled error event" to stderr on every failed
 * reconnect, bypassing the structured logger. The failures that matter surface where the
 * connection is used (relays, queue and worker 'error' events), which log them, throttled.
 */
function quiet(redis: Redis): Redis {
  redis.on('error', () => undefined);
  return redis;
}
