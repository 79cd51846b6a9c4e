import { Redis } from 'ioredis';

/**
 * BullMQ's two kinds of connection (its docs, "Connections"): a producer fails fast while Redis is
 * down, so the relay notices and retries from SQLite later instead of piling commands in memory;
 * a worker's blocking connection must retry forever (`maxRetriesPerRequest: null`).
 */
export function createProducerConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  });
}

export function createWorkerConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
