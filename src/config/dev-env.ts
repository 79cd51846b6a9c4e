/** The environment as config/env.ts reads it. */
type Env = Record<string, string | undefined>;

/**
 * The devnet is one developer, its scripts and its browser tests on loopback: production's quotas
 * would only get in the way, so they are generous here unless the environment sets them.
 */
export const DEV_LIMITS_ENV = {
  RATE_LIMIT_WRITES_PER_MINUTE: '100000',
  RATE_LIMIT_WRITES_BURST: '10000',
  RATE_LIMIT_REDELIVERIES_PER_MINUTE: '10000',
  RATE_LIMIT_REDELIVERIES_BURST: '1000',
  RATE_LIMIT_PAY_PER_MINUTE: '100000',
  RATE_LIMIT_PAY_BURST: '10000',
  MAX_WEBHOOK_ENDPOINTS: '1000',
  MAX_PAY_STREAMS_PER_IP: '1000',
};

/** The operator's Redis for `stablegate dev`, or undefined (also when empty): dev starts its own. */
export function devRedisUrl(env: Env = process.env): string | undefined {
  return env.REDIS_URL || undefined;
}

/**
 * The environment `stablegate dev` validates: the devnet's generous limits unless the operator set
 * them, then the operator's values, then what dev itself decides (port, database, Redis). The
 * devnet's API key and funded payers are for this machine only, so HOST defaults to loopback; its
 * webhook receivers are on loopback too, so private webhook URLs are allowed unless the operator
 * says otherwise.
 */
export function devConfigEnv(
  dev: { port: number; databasePath: string; redisUrl: string },
  env: Env = process.env,
): Env {
  return {
    ...DEV_LIMITS_ENV,
    ...env,
    PORT: String(dev.port),
    HOST: env.HOST ?? '127.0.0.1',
    DATABASE_PATH: dev.databasePath,
    REDIS_URL: dev.redisUrl,
    ALLOW_PRIVATE_WEBHOOK_URLS: env.ALLOW_PRIVATE_WEBHOOK_URLS ?? 'true',
  };
}
