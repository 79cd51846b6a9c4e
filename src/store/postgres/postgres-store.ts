import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { DatabaseBusyError } from '../../domain/errors.ts';
import type { Query, RunResult, Sql, Step } from '../sql.ts';
import { skipped, sqlFor } from '../sql.ts';
import type { Store } from '../store.ts';
import { bindParameters, convertPlaceholders } from './convert-placeholders.ts';
import { inTransaction, isConnectionLoss } from './in-transaction.ts';
import { readFirstColumn, readRows } from './read-rows.ts';
import { isPostgresConflict, toPostgresError } from './to-postgres-error.ts';

/** The PostgreSQL store, with its pool for what only PostgreSQL has (migrations, `db copy`, tests). */
export type PostgresStore = Store & { readonly engine: 'postgres'; readonly sql: postgres.Sql };

/** What the store logs through: pino's logger fits. */
export type StoreLogger = { debug(fields: Record<string, unknown>, message: string): void };

export type PostgresStoreOptions = {
  /** postgres:// or postgresql:// URL (DATABASE_URL). */
  url: string;
  /** Connections at most (DATABASE_POOL_SIZE); each serves one transaction at a time. */
  poolSize?: number;
  logger?: StoreLogger;
};

export const DEFAULT_POOL_SIZE = 10;
/** A write that lost this many times in a row to other transactions is refused as busy (503). */
export const WRITE_ATTEMPTS = 10;
/** Bounds of the random wait before running a write again: up to 2, 4, 8… ms, at most 100. */
const RETRY_FIRST_MS = 2;
const RETRY_CAP_MS = 100;
/** A server that does not answer a connection attempt within this is down (`ping` for /readyz). */
const CONNECT_TIMEOUT_S = 5;
/** Idle connections are closed after this: a quiet process holds no server slots. */
const IDLE_TIMEOUT_S = 60;
/** `close` waits this long for the queries in flight, then cuts them. */
const CLOSE_TIMEOUT_S = 5;
/**
 * The longest wait before connecting again after a failed attempt. The driver's own backoff grows
 * to 20 s while the server stays down (postgres/src/index.js `backoff`), and a query waits for
 * that attempt: an API call would hang that long before its 503, and a server that is back would
 * be found up to 20 s late. Refused connections cost little; the driver's jitter is kept.
 */
const RECONNECT_MAX_DELAY_S = 1;
/** The driver's curve (3^n / 100 s, with jitter), capped at RECONNECT_MAX_DELAY_S. */
const reconnectDelayS = (retries: number) =>
  (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, RECONNECT_MAX_DELAY_S);

/**
 * The driver's `unsafe` sends a query without parameters by the simple protocol, unprepared
 * (postgres/src/index.js, `simple: args.length === 0`); ours are a few constant texts, so every
 * one is prepared once per connection. `simple` is missing from the driver's option type.
 */
const PREPARED = { prepare: true, simple: false };

/**
 * The multi-host engine. Every `write` is its own READ COMMITTED transaction on a pooled
 * connection, so writes from many processes run concurrently; a step that reads a row to change
 * it locks it (`FOR UPDATE`) in its SQL. A step that loses to another transaction (serialization
 * failure 40001, deadlock 40P01) is run again from the start in a new transaction, WRITE_ATTEMPTS
 * times at most: nothing of the lost attempt was committed. A connection lost during a write is
 * not retried here: its COMMIT may have reached the server, and only the caller knows whether
 * its write is safe to repeat (DatabaseUnavailableError). `read` runs in one REPEATABLE READ
 * snapshot, as SQLite's deferred read transaction sees one.
 *
 * A query that fails aborts the whole transaction on PostgreSQL (SQLite undoes the statement
 * alone): its error is thrown into the step, as on SQLite, but a step that catches it cannot go
 * on writing: the driver rolls back and rejects with that first error even if the step returns.
 * A lost connection is not thrown into the step: the step ends there, since nothing more can be
 * sent on that connection (in-transaction.ts).
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const sql = postgres(checkedUrl(options.url), {
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    idle_timeout: IDLE_TIMEOUT_S,
    connect_timeout: CONNECT_TIMEOUT_S,
    backoff: reconnectDelayS,
    // The server's NOTICEs (`IF NOT EXISTS … skipping`) would go to console.log by default.
    onnotice: () => {},
    // No array columns: the type catalogue the driver would read on each new connection is not needed.
    fetch_types: false,
    connection: { application_name: 'stablegate' },
  });
  const logger = options.logger;
  return {
    engine: 'postgres',
    sql,
    async read<A extends unknown[], T>(step: Step<A, T>, ...args: A): Promise<T> {
      try {
        return await inTransaction(sql, 'isolation level repeatable read read only', (tx) =>
          runSteps(tx, step(...args), {}),
        );
      } catch (error) {
        throw toPostgresError(error);
      }
    },
    async write<A extends unknown[], T>(step: Step<A, T>, ...args: A): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        const failures: Failures = {};
        try {
          return await inTransaction(sql, 'isolation level read committed', (tx) =>
            runSteps(tx, step(...args), failures),
          );
        } catch (error) {
          // The first failed query decides: a step may have caught the conflict and thrown its own error.
          const cause = failures.first ?? error;
          if (!isPostgresConflict(cause)) throw toPostgresError(error);
          if (attempt === WRITE_ATTEMPTS) throw new DatabaseBusyError(cause);
          logger?.debug({ attempt, code: cause.code }, 'store write lost a race; running it again');
          await sleep(Math.random() * Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** (attempt - 1)));
        }
      }
    },
    async ping(): Promise<void> {
      try {
        await sql`SELECT 1`;
      } catch (error) {
        throw toPostgresError(error);
      }
    },
    async close(): Promise<void> {
      await sql.end({ timeout: CLOSE_TIMEOUT_S });
    },
  };
}

/** The first query of a transaction attempt that failed. */
type Failures = { first?: unknown };

/** Drives a step to its end in the transaction `tx`, each query answered before the next is asked. */
async function runSteps<T>(tx: postgres.TransactionSql, steps: Sql<T>, failures: Failures): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let answer: unknown;
    try {
      answer = await execute(tx, next.value);
    } catch (error) {
      // A lost connection ends the step here: nothing more may be sent on it (in-transaction.ts).
      if (isConnectionLoss(error)) throw error;
      failures.first ??= error;
      // Thrown into the step, so its own try/catch sees the failure where the query was.
      next = steps.throw(error);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

/** Runs one query and shapes its answer as the SQLite engine does (sqlite-store.ts). */
async function execute(tx: postgres.TransactionSql, query: Query): Promise<unknown> {
  const text = sqlFor(query.sql, 'postgres');
  if (text === null) return skipped(query.mode);
  const converted = convertPlaceholders(text);
  // bindParameters checks the values as better-sqlite3 would and gives the driver's kinds only.
  const params = bindParameters(converted, query.params) as postgres.ParameterOrJSON<never>[];
  if (query.mode === 'pluck' || query.mode === 'pluckAll') {
    const values = readFirstColumn(await tx.unsafe(converted.text, params, PREPARED).values());
    return query.mode === 'pluck' ? values[0] : values;
  }
  const result = await tx.unsafe(converted.text, params, PREPARED);
  switch (query.mode) {
    case 'run':
      return { changes: result.count ?? 0 } satisfies RunResult;
    case 'get':
      return readRows(result, 1)[0];
    case 'all':
      return readRows(result);
  }
}

/**
 * The URL, checked here because the driver's parse error would carry it whole, password
 * included, into whatever logs the error.
 */
function checkedUrl(url: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new TypeError('The database URL is not a valid URL (postgres://user:password@host:port/database).');
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new TypeError(`The database URL must start with postgres:// or postgresql://, not ${protocol}//.`);
  }
  return url;
}
