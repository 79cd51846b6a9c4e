import { DatabaseBusyError } from '../domain/errors.ts';
import { BUSY_TIMEOUT_MS, type Db, isDatabaseBusy } from './db.ts';
import { statement } from './statement.ts';
import { toStoreError } from './to-store-error.ts';

/** At most this many writes share one transaction, so one group's latency stays bounded. */
export const GROUP_COMMIT_MAX = 256;
/** Writes waiting at once beyond which new ones are refused as busy (503) instead of queued. */
export const GROUP_COMMIT_QUEUE_LIMIT = 10_000;
/** Waits between attempts to take a write lock another process holds, growing to the cap. */
const BUSY_RETRY_FIRST_MS = 1;
const BUSY_RETRY_CAP_MS = 50;

type Pending = {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** performance.now() at enqueue: a wall-clock jump must not expire every waiting write. */
  queuedAt: number;
};

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export type GroupCommit = {
  /**
   * Runs `fn` inside the next group's transaction, in its own savepoint, and settles once that
   * transaction has committed: a `fn` that throws rolls back its own writes alone and rejects
   * with its error; the others commit. `fn` must be synchronous and must not call `run` itself:
   * whatever ran after an `await` would escape the transaction.
   */
  run<T>(fn: () => T): Promise<T>;
  /** Resolves once no write is waiting (every one committed or refused): for closing the database. */
  settled(): Promise<void>;
};

/**
 * Group commit: every write that arrives while the event loop is busy (with the previous group's
 * fsync, say) is applied in one `BEGIN IMMEDIATE` transaction, then answered. A durable commit
 * costs one fsync whatever it holds, so under load writes share fsyncs instead of queueing for
 * one each; alone, a write waits one `setImmediate`.
 *
 * The write lock is taken without SQLite's busy handler, which would sleep on the event loop while
 * another process (the watcher, the workers) holds it: a busy lock is retried on a timer instead,
 * so the process keeps serving reads meanwhile, and writes still waiting after the connection's
 * busy timeout are refused with a DatabaseBusyError (503 at the API, a retried job in the
 * workers). So are writes that waited that long for any other reason (a slow disk, a flood), and
 * writes that find GROUP_COMMIT_QUEUE_LIMIT writes already waiting. A write that fails with SQLite's
 * busy or full code is rejected with DatabaseBusyError or StorageFullError (to-store-error.ts).
 */
export function createGroupCommit(db: Db, options: { busyTimeoutMs?: number } = {}): GroupCommit {
  const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  // The connection's own busy timeout, put back after each lock attempt: its other, synchronous
  // writers (the watcher on a shared connection) rely on it.
  const ownBusyTimeout = Number(db.pragma('busy_timeout', { simple: true }));
  const queue: Pending[] = [];
  let scheduled = false;
  let busyRetryMs = 0;
  /** The SQLITE_BUSY of the last failed attempt at the lock, while the lock is still being waited for. */
  let lastBusy: unknown = null;
  /** Who waits for the queue to empty (`settled`). */
  const idleWaiters: Array<() => void> = [];

  function notifyIdle(): void {
    if (queue.length > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function schedule(delayMs: number): void {
    if (scheduled) return;
    scheduled = true;
    if (delayMs === 0) setImmediate(flush);
    else setTimeout(flush, delayMs);
  }

  /** `BEGIN IMMEDIATE` that fails at once with SQLITE_BUSY instead of sleeping in the busy handler. */
  function begin(): void {
    db.pragma('busy_timeout = 0');
    try {
      statement(db, 'BEGIN IMMEDIATE').run();
    } finally {
      db.pragma(`busy_timeout = ${ownBusyTimeout}`);
    }
  }

  /** Refuses, as busy, the writes that have waited the busy timeout (`cause`: why they waited). */
  function expire(cause: unknown): void {
    const now = performance.now();
    while (queue.length > 0 && now - (queue[0] as Pending).queuedAt >= busyTimeoutMs) {
      (queue.shift() as Pending).reject(new DatabaseBusyError(cause));
    }
  }

  function waitForLock(busy: unknown): void {
    lastBusy = busy;
    expire(busy);
    busyRetryMs = Math.min(Math.max(busyRetryMs * 2, BUSY_RETRY_FIRST_MS), BUSY_RETRY_CAP_MS);
    if (queue.length > 0) schedule(busyRetryMs);
  }

  /**
   * One write in its own savepoint. A write that throws is undone alone; but if SQLite has already
   * rolled back the whole transaction (SQLITE_FULL, I/O errors), or undoing the savepoint fails,
   * its writes cannot be told from the others': the whole group is fatal and nothing commits.
   */
  function applyInSavepoint(fn: () => unknown): Outcome | { fatal: { error: unknown } } {
    try {
      statement(db, 'SAVEPOINT group_write').run();
    } catch (error) {
      return { fatal: { error } };
    }
    let value: unknown;
    try {
      value = fn();
    } catch (error) {
      if (!db.inTransaction) return { fatal: { error } };
      try {
        statement(db, 'ROLLBACK TO group_write').run();
        statement(db, 'RELEASE group_write').run();
      } catch (undoError) {
        return { fatal: { error: undoError } };
      }
      return { ok: false, error };
    }
    try {
      statement(db, 'RELEASE group_write').run();
    } catch (error) {
      return { fatal: { error } };
    }
    return { ok: true, value };
  }

  function flush(): void {
    scheduled = false;
    expire(lastBusy ?? new Error(`a write waited over ${busyTimeoutMs} ms for its turn`));
    try {
      flushGroup();
    } finally {
      notifyIdle();
    }
  }

  function flushGroup(): void {
    if (queue.length === 0) return;
    try {
      begin();
    } catch (error) {
      if (!isDatabaseBusy(error)) {
        for (const item of queue.splice(0)) item.reject(toStoreError(error));
        return;
      }
      waitForLock(error);
      return;
    }
    busyRetryMs = 0;
    lastBusy = null;
    const group = queue.splice(0, GROUP_COMMIT_MAX);
    const outcomes: Outcome[] = [];
    let fatal: { error: unknown } | null = null;
    for (const item of group) {
      const outcome = applyInSavepoint(item.fn);
      if ('fatal' in outcome) {
        fatal = outcome.fatal;
        break;
      }
      outcomes.push(outcome);
    }
    if (!fatal) {
      try {
        statement(db, 'COMMIT').run();
      } catch (error) {
        fatal = { error };
      }
    }
    if (fatal) {
      try {
        if (db.inTransaction) statement(db, 'ROLLBACK').run();
      } catch {
        // The first error is the one to report; SQLite undoes an open transaction on reopen.
      }
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i];
      if (fatal) item.reject(toStoreError(fatal.error));
      else if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(toStoreError(outcome?.error));
    });
    if (queue.length > 0) schedule(0);
  }

  return {
    run<T>(fn: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (fn.constructor.name === 'AsyncFunction') {
          reject(new TypeError('a group-commit write must be synchronous'));
          return;
        }
        if (queue.length >= GROUP_COMMIT_QUEUE_LIMIT) {
          reject(new DatabaseBusyError(new Error(`${queue.length} writes already waiting`)));
          return;
        }
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject, queuedAt: performance.now() });
        schedule(0);
      });
    },
    settled(): Promise<void> {
      if (queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
