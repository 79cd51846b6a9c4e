import { describe, expect, it } from 'vitest';
import { DEV_LIMITS_ENV, devConfigEnv, devRedisUrl } from './dev-env.ts';
import { loadConfig } from './env.ts';

const DEV = { port: 3001, databasePath: '/tmp/dev/stablegate.db', redisUrl: 'redis://127.0.0.1:6390' };

describe('devConfigEnv', () => {
  it.each([
    // [what, operator's environment, variable, value dev validates]
    ['HOST defaults to loopback', {}, 'HOST', '127.0.0.1'],
    ['the operator’s HOST wins', { HOST: '0.0.0.0' }, 'HOST', '0.0.0.0'],
    ['private webhook URLs are allowed by default', {}, 'ALLOW_PRIVATE_WEBHOOK_URLS', 'true'],
    [
      'the operator’s ALLOW_PRIVATE_WEBHOOK_URLS wins',
      { ALLOW_PRIVATE_WEBHOOK_URLS: 'false' },
      'ALLOW_PRIVATE_WEBHOOK_URLS',
      'false',
    ],
    ['a devnet write limit by default', {}, 'RATE_LIMIT_WRITES_PER_MINUTE', '100000'],
    [
      'the operator’s write limit wins',
      { RATE_LIMIT_WRITES_PER_MINUTE: '60' },
      'RATE_LIMIT_WRITES_PER_MINUTE',
      '60',
    ],
    ['a devnet stream cap by default', {}, 'MAX_PAY_STREAMS_PER_IP', '1000'],
    ['the operator’s stream cap wins', { MAX_PAY_STREAMS_PER_IP: '2' }, 'MAX_PAY_STREAMS_PER_IP', '2'],
    ['other operator values pass through', { LOG_LEVEL: 'debug' }, 'LOG_LEVEL', 'debug'],
    ['PORT is the --port flag', { PORT: '8080' }, 'PORT', '3001'],
    [
      'DATABASE_PATH is in the data dir',
      { DATABASE_PATH: '/elsewhere.db' },
      'DATABASE_PATH',
      DEV.databasePath,
    ],
    ['REDIS_URL is the one dev chose', { REDIS_URL: 'redis://other:6379' }, 'REDIS_URL', DEV.redisUrl],
  ])('%s', (_what, env: Record<string, string>, name, value) => {
    expect(devConfigEnv(DEV, env)[name]).toBe(value);
  });

  it('sets every devnet limit unless the operator does', () => {
    expect(devConfigEnv(DEV, {})).toMatchObject(DEV_LIMITS_ENV);
  });

  it('is an environment loadConfig accepts', () => {
    const result = loadConfig(devConfigEnv(DEV, {}), { chains: [] });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config).toMatchObject({ host: '127.0.0.1', port: 3001, allowPrivateWebhookUrls: true });
  });
});

describe('devRedisUrl', () => {
  it.each([
    ['no REDIS_URL: dev starts its own', {}, undefined],
    ['an empty REDIS_URL counts as none', { REDIS_URL: '' }, undefined],
    ['the operator’s Redis', { REDIS_URL: 'redis://127.0.0.1:6379' }, 'redis://127.0.0.1:6379'],
  ])('%s', (_what, env: Record<string, string>, url) => {
    expect(devRedisUrl(env)).toBe(url);
  });
});
