import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import {
  findRedisServer,
  pingRedis,
  type RedisServer,
  RedisServerNotFoundError,
  startRedisServer,
} from './start-redis-server.ts';

const started: RedisServer[] = [];
const dirs: string[] = [];

async function start(options: Parameters<typeof startRedisServer>[0] = {}) {
  const server = await startRedisServer(options);
  started.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function withClient<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

describe('startRedisServer', () => {
  test('answers PING on 127.0.0.1 and a free port', async () => {
    const server = await start();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await pingRedis(server.port)).toBe(true);
    expect(await withClient(server.url, (redis) => redis.ping())).toBe('PONG');
  });

  test('pause makes it silent and resume brings it back', async () => {
    const server = await start();
    server.pause();
    expect(await pingRedis(server.port)).toBe(false);
    server.resume();
    expect(await pingRedis(server.port)).toBe(true);
  });

  test('stop ends it, even while paused', async () => {
    const server = await start();
    server.pause();
    await server.stop();
    expect(await pingRedis(server.port)).toBe(false);
  });

  test('with a dir, data survives a restart through the append-only file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-redis-'));
    dirs.push(dir);
    const first = await start({ dir });
    await withClient(first.url, (redis) => redis.set('stablegate:test', 'kept'));
    await first.stop();
    const second = await start({ dir });
    expect(await withClient(second.url, (redis) => redis.get('stablegate:test'))).toBe('kept');
  });

  test('without a dir, nothing survives a restart', async () => {
    const first = await start();
    await withClient(first.url, (redis) => redis.set('stablegate:test', 'lost'));
    await first.stop();
    const second = await start({ port: first.port });
    expect(await withClient(second.url, (redis) => redis.get('stablegate:test'))).toBeNull();
  });
});

describe('findRedisServer', () => {
  test('finds nothing on an empty PATH, and the error says how to install it', () => {
    expect(findRedisServer('')).toBeUndefined();
    expect(new RedisServerNotFoundError().message).toMatch(
      /apt-get install redis-server.*brew install redis.*REDIS_URL/,
    );
  });
});
