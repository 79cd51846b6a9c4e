import type { Config } from '../config/env.ts';
import { systemClock } from '../domain/clock.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { openDatabase } from '../store/db.ts';
import { createGroupCommit } from '../store/group-commit.ts';
import type { AppContext } from './context.ts';
import { loadSecretBox } from './secret-key.ts';

/** Builds the one context a process passes to every factory. */
export function createContext(config: Config, options: { name?: string } = {}): AppContext {
  const logger = createLogger({ level: config.logLevel, name: options.name ?? 'stablegate' });
  const db = openDatabase(config.databasePath);
  const secrets = loadSecretBox({
    databasePath: config.databasePath,
    secretKey: config.secretKey,
    previousSecretKey: config.previousSecretKey,
  });
  return {
    config,
    logger,
    metrics: createMetrics(),
    db,
    writes: createGroupCommit(db),
    clock: systemClock,
    secrets,
  };
}
