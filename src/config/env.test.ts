import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

const chains = { chains: [] };

describe('loadConfig: limits', () => {
  it('has production defaults for every quota and trusts no proxy', () => {
    const result = loadConfig({}, chains);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.limits).toEqual({
      writes: { perMinute: 600, burst: 100 },
      redeliveries: { perMinute: 10, burst: 5 },
      pay: { perMinute: 300, burst: 60 },
      webhookEndpointsPerMerchant: 16,
      streams: { total: 1000, perInvoice: 16, perClient: 10 },
    });
    expect(result.config.trustProxyHops).toBe(0);
  });

  it('reads each limit and TRUST_PROXY from the environment', () => {
    const result = loadConfig(
      { RATE_LIMIT_REDELIVERIES_PER_MINUTE: '2', MAX_WEBHOOK_ENDPOINTS: '3', TRUST_PROXY: 'true' },
      chains,
    );
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.limits.redeliveries.perMinute).toBe(2);
    expect(result.config.limits.webhookEndpointsPerMerchant).toBe(3);
    expect(result.config.trustProxyHops).toBe(1);
    const hops = loadConfig({ TRUST_PROXY: '2' }, chains);
    expect(hops.ok && hops.config.trustProxyHops).toBe(2);
  });

  it('names each bad value on a line of its own', () => {
    const result = loadConfig(
      { RATE_LIMIT_WRITES_BURST: '0', MAX_PAY_STREAMS_PER_IP: 'many', TRUST_PROXY: 'yes' },
      chains,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'RATE_LIMIT_WRITES_BURST: must be at least 1',
      'MAX_PAY_STREAMS_PER_IP: must be a whole number',
      'TRUST_PROXY: must be true, false or a number of proxy hops (0-9)',
    ]);
  });
});

describe('loadConfig: the sweeper gas wallet', () => {
  const key = (digit: string) => `0x${digit.repeat(64)}`;

  it('takes SWEEPER_PRIVATE_KEY_<chainId> over SWEEPER_PRIVATE_KEY, and none without either', () => {
    const result = loadConfig({ SWEEPER_PRIVATE_KEY: key('1'), SWEEPER_PRIVATE_KEY_10: key('2') }, chains);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.config.sweeperPrivateKey(10)).toBe(key('2'));
    expect(result.config.sweeperPrivateKey(1)).toBe(key('1'));
    const none = loadConfig({}, chains);
    expect(none.ok && none.config.sweeperPrivateKey(1)).toBeUndefined();
  });

  it('names a malformed key without echoing it, and never serializes one with the config', () => {
    const bad = loadConfig({ SWEEPER_PRIVATE_KEY_8453: '0xdeadbeefcafe' }, chains);
    expect(bad).toEqual({
      ok: false,
      errors: ['SWEEPER_PRIVATE_KEY_8453: must be a 0x-prefixed 32-byte hex private key'],
    });
    const good = loadConfig({ SWEEPER_PRIVATE_KEY: key('3') }, chains);
    if (!good.ok) throw new Error(good.errors.join('\n'));
    expect(JSON.stringify(good.config)).not.toContain('3'.repeat(64));
  });
});

const PORT_MESSAGE = 'must be a port number from 0 to 65535';
const SECRET_KEY_MESSAGE = 'must be base64 of 32 random bytes (openssl rand -base64 32)';
const SWEEPER_KEY_MESSAGE = 'must be a 0x-prefixed 32-byte hex private key';
const COUNTS = [
  'RATE_LIMIT_WRITES_PER_MINUTE',
  'RATE_LIMIT_WRITES_BURST',
  'RATE_LIMIT_REDELIVERIES_PER_MINUTE',
  'RATE_LIMIT_REDELIVERIES_BURST',
  'RATE_LIMIT_PAY_PER_MINUTE',
  'RATE_LIMIT_PAY_BURST',
  'MAX_WEBHOOK_ENDPOINTS',
  'MAX_PAY_STREAMS',
  'MAX_PAY_STREAMS_PER_INVOICE',
  'MAX_PAY_STREAMS_PER_IP',
];
const key = randomBytes(32).toString('base64');

/**
 * One row per bad value of every variable in the README's configuration table ("each bad one is
 * reported on its own line"): the line names the variable and says what is wrong. The chains file
 * (STABLEGATE_CONFIG) has its own table in chains.test.ts.
 */
describe('loadConfig: one line per bad value', () => {
  it.each<[string, string, string]>([
    ['DATABASE_PATH', '', 'must not be empty'],
    ['DATABASE_PATH', '  ', 'must not be empty'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'must be a redis:// or rediss:// URL'],
    ['REDIS_URL', '127.0.0.1:6379', 'must be a redis:// or rediss:// URL'],
    ['PORT', 'abc', PORT_MESSAGE],
    ['PORT', '70000', PORT_MESSAGE],
    ['PORT', '-1', PORT_MESSAGE],
    ['PORT', '80.5', PORT_MESSAGE],
    ['PORT', '0x50', PORT_MESSAGE],
    ['PORT', '', PORT_MESSAGE],
    ['HOST', '', 'must not be empty'],
    ['METRICS_PORT', 'nine', PORT_MESSAGE],
    ['METRICS_PORT', '65536', PORT_MESSAGE],
    ['METRICS_PORT', '', PORT_MESSAGE],
    ['METRICS_HOST', '', 'must not be empty'],
    ['PUBLIC_URL', 'pay.example.com', 'must be an http:// or https:// URL'],
    ['PUBLIC_URL', 'ftp://pay.example.com', 'must be an http:// or https:// URL'],
    ['STABLEGATE_CONFIG', '', 'must not be empty'],
    [
      'WEBHOOK_RETRY_SCHEDULE',
      '0,5,soon',
      'entry 3 ("soon") must be a whole number of seconds, e.g. "0,5,300"',
    ],
    ['WEBHOOK_RETRY_SCHEDULE', '0,-5', 'entry 2 ("-5") must be a whole number of seconds, e.g. "0,5,300"'],
    ['WEBHOOK_RETRY_SCHEDULE', '0,604801', 'entry 2 ("604801") must be at most 604800 seconds (7 days)'],
    ['WEBHOOK_RETRY_SCHEDULE', '', 'entry 1 ("") must be a whole number of seconds, e.g. "0,5,300"'],
    ['ALLOW_PRIVATE_WEBHOOK_URLS', 'yes', 'must be true or false'],
    ['STABLEGATE_SECRET_KEY', 'changeme', SECRET_KEY_MESSAGE],
    ['STABLEGATE_SECRET_KEY', randomBytes(32).toString('hex'), SECRET_KEY_MESSAGE],
    ['STABLEGATE_SECRET_KEY', randomBytes(33).toString('base64'), SECRET_KEY_MESSAGE],
    ['STABLEGATE_SECRET_KEY', `!${key}`, SECRET_KEY_MESSAGE],
    ['STABLEGATE_PREVIOUS_SECRET_KEY', randomBytes(16).toString('base64'), SECRET_KEY_MESSAGE],
    ['SWEEPER_PRIVATE_KEY', '0x1234', SWEEPER_KEY_MESSAGE],
    ['SWEEPER_PRIVATE_KEY', '1'.repeat(64), SWEEPER_KEY_MESSAGE],
    ['SWEEPER_PRIVATE_KEY', `0x${'g'.repeat(64)}`, SWEEPER_KEY_MESSAGE],
    ['SWEEPER_PRIVATE_KEY_8453', `0x${'1'.repeat(66)}`, SWEEPER_KEY_MESSAGE],
    ['LOG_LEVEL', 'verbose', 'must be one of fatal, error, warn, info, debug, trace, silent'],
    ...COUNTS.flatMap((name): [string, string, string][] => [
      [name, '0', 'must be at least 1'],
      [name, '-5', 'must be at least 1'],
      [name, '2.5', 'must be a whole number'],
      [name, 'ten', 'must be a whole number'],
      [name, '1000000001', 'must be at most 1000000000'],
    ]),
    ['TRUST_PROXY', 'yes', 'must be true, false or a number of proxy hops (0-9)'],
    ['TRUST_PROXY', '10', 'must be true, false or a number of proxy hops (0-9)'],
    ['TRUST_PROXY', '-1', 'must be true, false or a number of proxy hops (0-9)'],
    ['TRUST_PROXY', '1.5', 'must be true, false or a number of proxy hops (0-9)'],
  ])('%s=%j: %s', (name, value, message) => {
    expect(loadConfig({ [name]: value }, chains)).toEqual({ ok: false, errors: [`${name}: ${message}`] });
  });

  it.each<
    [
      string,
      string,
      (config: Extract<ReturnType<typeof loadConfig>, { ok: true }>['config']) => unknown,
      unknown,
    ]
  >([
    ['PORT', ' 8080 ', (config) => config.port, 8080],
    ['PORT', '0', (config) => config.port, 0],
    ['METRICS_PORT', '65535', (config) => config.metrics, { port: 65_535, host: '127.0.0.1' }],
    ['STABLEGATE_SECRET_KEY', `${key}\n`, (config) => config.secretKey, key],
    ['STABLEGATE_SECRET_KEY', key.replace(/=$/, ''), (config) => config.secretKey, key.replace(/=$/, '')],
    ['TRUST_PROXY', 'false', (config) => config.trustProxyHops, 0],
  ])('accepts %s=%j', (name, value, read, expected) => {
    const result = loadConfig({ [name]: value }, chains);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(read(result.config)).toEqual(expected);
  });

  it('reports every bad value at once, the chains file and the gas wallet keys included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-env-'));
    try {
      const path = join(dir, 'chains.json');
      writeFileSync(path, JSON.stringify({ chains: [] }));
      const env = { PORT: 'abc', SWEEPER_PRIVATE_KEY: '0x12', STABLEGATE_CONFIG: path };
      expect(loadConfig(env)).toEqual({
        ok: false,
        errors: [
          `PORT: ${PORT_MESSAGE}`,
          `SWEEPER_PRIVATE_KEY: ${SWEEPER_KEY_MESSAGE}`,
          `STABLEGATE_CONFIG ${path}: chains: must list at least one chain`,
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires STABLEGATE_CONFIG outside dev, and names a file it cannot read', () => {
    expect(loadConfig({})).toEqual({
      ok: false,
      errors: ['STABLEGATE_CONFIG: required (path of the chains JSON file)'],
    });
    const missing = loadConfig({ STABLEGATE_CONFIG: '/nonexistent/chains.json' });
    expect(!missing.ok && missing.errors).toEqual([
      expect.stringMatching(/^STABLEGATE_CONFIG: cannot read \/nonexistent\/chains\.json: /),
    ]);
  });
});

describe('loadConfig: the database', () => {
  it('uses SQLite without DATABASE_URL, PostgreSQL with it, with 10 connections by default', () => {
    const sqlite = loadConfig({}, chains);
    if (!sqlite.ok) throw new Error(sqlite.errors.join('\n'));
    expect(sqlite.config).toMatchObject({ databaseUrl: undefined, databasePoolSize: 10 });
    const url = 'postgresql://stablegate:secret@db.internal:5432/stablegate';
    const key = Buffer.alloc(32, 7).toString('base64');
    const postgres = loadConfig(
      { DATABASE_URL: url, DATABASE_POOL_SIZE: '4', STABLEGATE_SECRET_KEY: key },
      chains,
    );
    if (!postgres.ok) throw new Error(postgres.errors.join('\n'));
    expect(postgres.config).toMatchObject({ databaseUrl: url, databasePoolSize: 4 });
    // Compose passes an empty DATABASE_URL to the SQLite layout.
    const empty = loadConfig({ DATABASE_URL: '' }, chains);
    expect(empty.ok && empty.config.databaseUrl).toBe(undefined);
  });

  it('refuses PostgreSQL without STABLEGATE_SECRET_KEY: no host may keep its own key file', () => {
    const result = loadConfig({ DATABASE_URL: 'postgres://db.internal/stablegate' }, chains);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'STABLEGATE_SECRET_KEY: required with DATABASE_URL: every process must seal webhook secrets with the same key (openssl rand -base64 32)',
    ]);
  });

  it('refuses another scheme and a pool of no connections, without echoing the URL', () => {
    const result = loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x', DATABASE_POOL_SIZE: '0' }, chains);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
      'DATABASE_POOL_SIZE: must be at least 1',
    ]);
  });
});
