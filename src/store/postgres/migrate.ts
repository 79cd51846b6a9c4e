import type postgres from 'postgres';
import { inTransaction } from './in-transaction.ts';
import { postgresMigrations } from './migrations/index.ts';
import { toPostgresError } from './to-postgres-error.ts';

/**
 * The key of the transaction-level advisory lock every migration run takes: two processes starting
 * on one database apply each migration once, one after the other. Any constant works if nothing
 * else of ours locks it; this one spells "sgmi" (stablegate migrations) in ASCII.
 */
export const MIGRATION_LOCK_KEY = 0x73_67_6d_69;

/** PostgreSQL's stand-in for SQLite's `PRAGMA user_version`: one row, 0 on a new database. */
const SCHEMA_VERSION_TABLE = `
CREATE TABLE IF NOT EXISTS schema_version (
  id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
`;

export const LATEST_POSTGRES_VERSION = postgresMigrations.at(-1)?.version ?? 0;

/**
 * Applies the migrations newer than the database's `schema_version`, each in its own transaction
 * together with the version bump, so a crash leaves the schema at a whole version. Every
 * transaction takes the advisory lock, then reads the version: a process that waited for another's
 * migration finds it applied and goes on from there, so each migration runs once. PostgreSQL's DDL
 * is transactional: a failed migration leaves nothing behind. `from` is the version this run found,
 * `to` the one it left; `target` stops at an older version (tests), and a database newer than this
 * release is left as it is, as on SQLite (store/migrate.ts).
 */
export async function runPostgresMigrations(
  sql: postgres.Sql,
  target: number = LATEST_POSTGRES_VERSION,
): Promise<{ from: number; to: number }> {
  try {
    let from: number | undefined;
    for (;;) {
      const { found, reached } = await inTransaction(sql, 'read write', async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
        await tx.unsafe(SCHEMA_VERSION_TABLE);
        const found = await schemaVersion(tx);
        const next = postgresMigrations.find(
          (migration) => migration.version > found && migration.version <= target,
        );
        if (next === undefined) return { found, reached: found };
        // Without parameters the driver sends the text by the simple protocol: several statements at once.
        await tx.unsafe(next.sql);
        await tx`UPDATE schema_version SET version = ${next.version}`;
        return { found, reached: next.version };
      });
      from ??= found;
      if (reached === found) return { from, to: reached };
    }
  } catch (error) {
    throw toPostgresError(error);
  }
}

/** The schema's version (0: nothing applied yet); `schema_version` must exist. */
export async function schemaVersion(sql: postgres.Sql | postgres.TransactionSql): Promise<number> {
  const [row] = await sql<{ version: number }[]>`SELECT version FROM schema_version`;
  return row?.version ?? 0;
}
