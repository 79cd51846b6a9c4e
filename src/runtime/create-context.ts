import type { Config } from '../config/env.ts';
import { systemClock } from '../domain/clock.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { openStore } from '../store/open-store.ts';
import type { AppContext } from './context.ts';
import { loadSecretBox } from './secret-key.ts';

/** Builds the one context a process passes to every factory. */
export async function createContext(config: Config, options: { name?: string } = {}): Promise<AppContext> {
  const logger = createLogger({ level: config.logLevel, name: options.name ?? 'stablegate' });
  // PostgreSQL when DATABASE_URL is set (migrated here, under an advisory lock), else the SQLite file.
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    databasePath: config.databasePath,
    poolSize: config.databasePoolSize,
    logger,
  });
  const secrets = loadSecretBox({
    databasePath: config.databasePath,
    secretKey: config.secretKey,
    previousSecretKey: config.previousSecretKey,
  });
  return { config, logger, metrics: createMetrics(), store, clock: systemClock, secrets };
}
