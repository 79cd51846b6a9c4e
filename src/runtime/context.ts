import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';

/** What every factory receives: built once in runtime/, never a module-level singleton. */
export type AppContext = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** The database, whichever engine (store/store.ts). */
  store: Store;
  clock: Clock;
  /** Seals and opens stored webhook secrets. */
  secrets: SecretBox;
};
