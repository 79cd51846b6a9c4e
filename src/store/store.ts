import type { Step } from './sql.ts';

export type StoreEngine = 'sqlite' | 'postgres';

/**
 * The store: one interface, one implementation per engine (sqlite-store.ts, postgres/…). Nothing
 * above it knows which engine runs. A step (sql.ts) is run as one transaction: `read` gives it
 * one consistent snapshot, `write` makes all its writes commit together or not at all, so a money
 * move commits with its events and the watcher's cursor on every engine.
 */
export type Store = {
  readonly engine: StoreEngine;
  /** Runs `step(...args)` in a read-only transaction. */
  read<A extends unknown[], T>(step: Step<A, T>, ...args: A): Promise<T>;
  /**
   * Runs `step(...args)` in a writing transaction. SQLite runs it in a shared group commit,
   * synchronously; PostgreSQL in its own transaction, run again from the start after a
   * serialization failure or a deadlock. A step that throws writes nothing.
   */
  write<A extends unknown[], T>(step: Step<A, T>, ...args: A): Promise<T>;
  /** Resolves when the database answers a query; for `/readyz`. */
  ping(): Promise<void>;
  /** Waits for the writes in flight, then closes the connections. */
  close(): Promise<void>;
};
