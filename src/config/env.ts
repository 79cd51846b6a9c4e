import { z } from 'zod';
import { DEFAULT_RETRY_SCHEDULE_S, parseRetrySchedule } from '../domain/retry-schedule.ts';
import type { ChainConfig } from './chains.ts';
import { readChainsFile } from './chains.ts';

/** The only reader of process.env: every other module receives a validated `Config`. */

/** A positive whole number from the environment, with its production default. */
const count = (defaultValue: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000_000, 'must be at most 1000000000')
    .default(defaultValue);

const PORT_MESSAGE = 'must be a port number from 0 to 65535';

/**
 * A TCP port: digits only, so an empty `PORT=` is an error rather than port 0 (any free port), and
 * `0x50` or `1e3` are not read as numbers.
 */
const port = () =>
  z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, PORT_MESSAGE)
    .transform(Number)
    .refine((value) => value <= 65_535, PORT_MESSAGE);

const nonEmpty = () => z.string().trim().min(1, 'must not be empty');

/**
 * Base64 of 32 bytes, as `openssl rand -base64 32` prints it: 43 characters and one `=`. Checked by
 * pattern, because Buffer.from(…, 'base64') skips characters outside the alphabet, so a key with a
 * stray character would otherwise pass as the 32 bytes left around it.
 */
const secretKey = () =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9+/]{43}=?$/, 'must be base64 of 32 random bytes (openssl rand -base64 32)')
    .optional();

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const EnvSchema = z
  .object({
    DATABASE_PATH: nonEmpty().default('./data/stablegate.db'),
    /** PostgreSQL instead of the SQLite file: when set, DATABASE_PATH is not used. */
    // Empty counts as unset: docker-compose.yml passes `${DATABASE_URL:-}` to the SQLite layout too.
    DATABASE_URL: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z
        .url({ protocol: /^postgres(ql)?$/, message: 'must be a postgres:// or postgresql:// URL' })
        .optional(),
    ),
    DATABASE_POOL_SIZE: count(10),
    REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
    PORT: port().default(3000),
    /** The interface the HTTP API listens on; `stablegate dev` defaults it to loopback. */
    HOST: nonEmpty().default('0.0.0.0'),
    /** When set, /metrics is served on this port only, by a second listener, never on PORT. */
    METRICS_PORT: port().optional(),
    METRICS_HOST: nonEmpty().default('127.0.0.1'),
    PUBLIC_URL: z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
    STABLEGATE_CONFIG: nonEmpty().optional(),
    WEBHOOK_RETRY_SCHEDULE: z
      .string()
      .transform((text, ctx) => {
        const parsed = parseRetrySchedule(text);
        if (parsed.ok) return parsed.schedule;
        ctx.addIssue({ code: 'custom', message: parsed.message });
        return z.NEVER;
      })
      .optional(),
    ALLOW_PRIVATE_WEBHOOK_URLS: z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .transform((value) => value === 'true' || value === '1')
      .default(false),
    STABLEGATE_SECRET_KEY: secretKey(),
    STABLEGATE_PREVIOUS_SECRET_KEY: secretKey(),
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    // Quotas and rate limits (README, "Quotas and rate limits"): per API key, per merchant, per client IP.
    RATE_LIMIT_WRITES_PER_MINUTE: count(600),
    RATE_LIMIT_WRITES_BURST: count(100),
    RATE_LIMIT_REDELIVERIES_PER_MINUTE: count(10),
    RATE_LIMIT_REDELIVERIES_BURST: count(5),
    RATE_LIMIT_PAY_PER_MINUTE: count(300),
    RATE_LIMIT_PAY_BURST: count(60),
    MAX_WEBHOOK_ENDPOINTS: count(16),
    MAX_PAY_STREAMS: count(1000),
    MAX_PAY_STREAMS_PER_INVOICE: count(16),
    MAX_PAY_STREAMS_PER_IP: count(10),
    TRUST_PROXY: z
      .string()
      .regex(/^(true|false|[0-9])$/, 'must be true, false or a number of proxy hops (0-9)')
      .transform((value) => (value === 'true' ? 1 : value === 'false' ? 0 : Number(value)))
      .default(0),
  })
  .superRefine((values, ctx) => {
    // The SQLite layout may keep its key in a file beside the database; processes on several
    // hosts share no file, and each would seal secrets the others cannot open.
    // Refinements run even when a field failed: a DATABASE_URL refused above is not named twice.
    const postgres = values.DATABASE_URL !== undefined && /^postgres(ql)?:\/\//.test(values.DATABASE_URL);
    if (postgres && values.STABLEGATE_SECRET_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['STABLEGATE_SECRET_KEY'],
        message:
          'required with DATABASE_URL: every process must seal webhook secrets with the same key (openssl rand -base64 32)',
      });
    }
  });

export type RateLimitConfig = { perMinute: number; burst: number };

/** Every quota and rate limit; production defaults above, generous ones in `stablegate dev`. */
export type Limits = {
  /** Per API key: every authenticated POST/PUT/PATCH/DELETE except redeliveries. */
  writes: RateLimitConfig;
  /** Per API key: `POST /v1/events/:id/redeliver`, each a burst of webhook traffic. */
  redeliveries: RateLimitConfig;
  /** Per client IP: the public `/pay/:id…` routes (page, status, QR, stream). */
  pay: RateLimitConfig;
  webhookEndpointsPerMerchant: number;
  streams: { total: number; perInvoice: number; perClient: number };
};

export type Config = {
  databasePath: string;
  /** PostgreSQL's URL; undefined: the SQLite file at databasePath (store/open-store.ts). */
  databaseUrl: string | undefined;
  /** PostgreSQL connections per process at most. */
  databasePoolSize: number;
  redisUrl: string | undefined;
  port: number;
  host: string;
  /** null: /metrics is served on the public port, as before METRICS_PORT existed. */
  metrics: { port: number; host: string } | null;
  publicUrl: string;
  chains: ChainConfig[];
  webhookRetryScheduleS: number[];
  allowPrivateWebhookUrls: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Seals webhook secrets; absent: a key file beside the database (runtime/secret-key.ts). */
  secretKey: string | undefined;
  /** While rotating the secret key: the old one, which opens what it sealed until a reseal. */
  previousSecretKey: string | undefined;
  limits: Limits;
  /**
   * Reverse proxies in front of the server: 0 keys clients on the socket's address; N takes the
   * N-th `X-Forwarded-For` entry from the right, the first one no trusted proxy wrote for itself.
   */
  trustProxyHops: number;
  /** The gas wallet key of a chain, if the operator gave one (sweeps, README "Sweeps"). */
  sweeperPrivateKey: SweeperKeys;
};

/**
 * The sweeper's gas wallet keys (README "Sweeps"): `SWEEPER_PRIVATE_KEY_<chainId>` for one chain,
 * else `SWEEPER_PRIVATE_KEY`. A function, not a field: a config logged or serialized whole never
 * carries a key.
 */
export type SweeperKeys = (chainId: number) => `0x${string}` | undefined;

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

function parseSweeperKeys(
  env: Record<string, string | undefined>,
): { ok: true; keys: SweeperKeys } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const byChain = new Map<number, `0x${string}`>();
  let global: `0x${string}` | undefined;
  for (const [name, raw] of Object.entries(env)) {
    const match = /^SWEEPER_PRIVATE_KEY(?:_(\d+))?$/.exec(name);
    const value = raw?.trim();
    if (!match || !value) continue;
    // The value is never echoed: only the variable's name is.
    if (!PRIVATE_KEY.test(value)) {
      errors.push(`${name}: must be a 0x-prefixed 32-byte hex private key`);
      continue;
    }
    if (match[1] === undefined) global = value as `0x${string}`;
    else byChain.set(Number(match[1]), value as `0x${string}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, keys: (chainId) => byChain.get(chainId) ?? global };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Validates the environment and the chains file. Every bad value gives one line naming the
 * variable (or the file's field), all of them at once, as the README's configuration table says.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: { chains?: ChainConfig[] } = {},
): ConfigResult {
  const parsed = EnvSchema.safeParse(env);
  const sweeperKeys = parseSweeperKeys(env);
  const chains = overrides.chains ? { ok: true as const, chains: overrides.chains } : chainsFromEnv(env);
  const errors = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)),
    ...(sweeperKeys.ok ? [] : sweeperKeys.errors),
    ...(chains.ok ? [] : chains.errors),
  ];
  if (!parsed.success || !sweeperKeys.ok || !chains.ok) return { ok: false, errors };
  const values = parsed.data;
  const port = values.PORT;
  return {
    ok: true,
    config: {
      databasePath: values.DATABASE_PATH,
      databaseUrl: values.DATABASE_URL,
      databasePoolSize: values.DATABASE_POOL_SIZE,
      redisUrl: values.REDIS_URL,
      port,
      host: values.HOST,
      metrics:
        values.METRICS_PORT === undefined ? null : { port: values.METRICS_PORT, host: values.METRICS_HOST },
      publicUrl: (values.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
      chains: chains.chains,
      webhookRetryScheduleS: values.WEBHOOK_RETRY_SCHEDULE ?? [...DEFAULT_RETRY_SCHEDULE_S],
      allowPrivateWebhookUrls: values.ALLOW_PRIVATE_WEBHOOK_URLS,
      logLevel: values.LOG_LEVEL,
      secretKey: values.STABLEGATE_SECRET_KEY,
      previousSecretKey: values.STABLEGATE_PREVIOUS_SECRET_KEY,
      limits: limitsFrom(values),
      trustProxyHops: values.TRUST_PROXY,
      sweeperPrivateKey: sweeperKeys.keys,
    },
  };
}

/** The chains file STABLEGATE_CONFIG names; an empty value is EnvSchema's error, not a second one. */
function chainsFromEnv(
  env: Record<string, string | undefined>,
): { ok: true; chains: ChainConfig[] } | { ok: false; errors: string[] } {
  const path = EnvSchema.shape.STABLEGATE_CONFIG.safeParse(env.STABLEGATE_CONFIG);
  if (!path.success) return { ok: false, errors: [] };
  if (path.data === undefined) {
    return { ok: false, errors: ['STABLEGATE_CONFIG: required (path of the chains JSON file)'] };
  }
  return readChainsFile(path.data);
}

function limitsFrom(values: z.infer<typeof EnvSchema>): Limits {
  return {
    writes: { perMinute: values.RATE_LIMIT_WRITES_PER_MINUTE, burst: values.RATE_LIMIT_WRITES_BURST },
    redeliveries: {
      perMinute: values.RATE_LIMIT_REDELIVERIES_PER_MINUTE,
      burst: values.RATE_LIMIT_REDELIVERIES_BURST,
    },
    pay: { perMinute: values.RATE_LIMIT_PAY_PER_MINUTE, burst: values.RATE_LIMIT_PAY_BURST },
    webhookEndpointsPerMerchant: values.MAX_WEBHOOK_ENDPOINTS,
    streams: {
      total: values.MAX_PAY_STREAMS,
      perInvoice: values.MAX_PAY_STREAMS_PER_INVOICE,
      perClient: values.MAX_PAY_STREAMS_PER_IP,
    },
  };
}

/** For commands that need only the database (migrate, merchant): the chains file may not exist yet. */
export function databasePathFromEnv(env: Record<string, string | undefined> = process.env): string {
  const path = env.DATABASE_PATH?.trim();
  return path ? path : './data/stablegate.db';
}

export type DatabaseLocation = { databasePath: string; databaseUrl: string | undefined };

/**
 * The database alone (DATABASE_URL, else DATABASE_PATH), for the commands that need nothing else
 * (migrate, merchant, key): they must work before the chains file does. A bad DATABASE_URL is an
 * error naming it, as in loadConfig.
 */
export function databaseFromEnv(
  env: Record<string, string | undefined> = process.env,
): { ok: true; location: DatabaseLocation } | { ok: false; errors: string[] } {
  const url = EnvSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!url.success)
    return { ok: false, errors: url.error.issues.map((issue) => `DATABASE_URL: ${issue.message}`) };
  return { ok: true, location: { databasePath: databasePathFromEnv(env), databaseUrl: url.data } };
}
