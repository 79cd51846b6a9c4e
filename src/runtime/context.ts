import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import type { GroupCommit } from '../store/group-commit.ts';
import type { SecretBox } from '../store/secret-box.ts';

/** What every factory receives: built once in runtime/, never a module-level singleton. */
export type AppContext = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  /** Request-path writes (API, settlement, delivery attempts): grouped into shared commits. */
  writes: GroupCommit;
  clock: Clock;
  /** Seals and opens stored webhook secrets. */
  secrets: SecretBox;
};
