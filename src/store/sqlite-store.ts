import { type Db, openDatabase } from './db.ts';
import { createGroupCommit } from './group-commit.ts';
import type { Query, RunResult, Sql, Step } from './sql.ts';
import { skipped, sqlFor } from './sql.ts';
import { pluckStatement, statement } from './statement.ts';
import type { Store } from './store.ts';
import { toStoreError } from './to-store-error.ts';

/** The SQLite store, with its connection for what only SQLite has (migrations, `db copy`, tests). */
export type SqliteStore = Store & { readonly engine: 'sqlite'; readonly db: Db };

/** Opens (and migrates) the database file at `path` as a store. */
export function openSqliteStore(path: string, options: { busyTimeoutMs?: number } = {}): SqliteStore {
  return createSqliteStore(openDatabase(path), options);
}

/**
 * The embedded engine. A step runs synchronously from start to end (every query is answered at
 * once), so its transaction never spans an await. Writes share group commits (group-commit.ts):
 * each step in its own savepoint, one fsync for all. Reads run in a deferred transaction, one
 * snapshot for all their queries, and never wait for the write lock (WAL).
 */
export function createSqliteStore(db: Db, options: { busyTimeoutMs?: number } = {}): SqliteStore {
  const writes = createGroupCommit(db, options);
  // One wrapper for every read: better-sqlite3 builds a transaction function per call otherwise.
  const snapshot = db.transaction((run: () => unknown) => run());
  return {
    engine: 'sqlite',
    db,
    read<A extends unknown[], T>(step: Step<A, T>, ...args: A): Promise<T> {
      try {
        return Promise.resolve(snapshot.deferred(() => runSteps(db, step(...args))) as T);
      } catch (error) {
        return Promise.reject(toStoreError(error));
      }
    },
    write<A extends unknown[], T>(step: Step<A, T>, ...args: A): Promise<T> {
      return writes.run(() => runSteps(db, step(...args)));
    },
    async ping(): Promise<void> {
      statement(db, 'SELECT 1').get();
    },
    async close(): Promise<void> {
      await writes.settled();
      db.close();
    },
  };
}

/** Drives a step to its end on `db`, inside whatever transaction the caller holds. */
export function runSteps<T>(db: Db, steps: Sql<T>): T {
  let next = steps.next();
  while (!next.done) {
    let answer: unknown;
    try {
      answer = execute(db, next.value);
    } catch (error) {
      // Thrown into the step, so its own try/catch sees the failure where the query was.
      next = steps.throw(error);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

function execute(db: Db, query: Query): unknown {
  const text = sqlFor(query.sql, 'sqlite');
  if (text === null) return skipped(query.mode);
  switch (query.mode) {
    case 'get':
      return statement(db, text).get(...query.params);
    case 'all':
      return statement(db, text).all(...query.params);
    case 'run':
      return { changes: statement(db, text).run(...query.params).changes } satisfies RunResult;
    case 'pluck':
      return pluckStatement(db, text).get(...query.params);
    case 'pluckAll':
      return pluckStatement(db, text).all(...query.params);
  }
}
