import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { DatabaseUnavailableError } from '../../domain/errors.ts';
import { toPostgresError } from './to-postgres-error.ts';

/**
 * How long a transaction whose connection was reported lost waits for the driver to see the
 * socket close (and reject the transaction itself) before it is given up anyway.
 */
const LOST_CONNECTION_WAIT_MS = 5_000;

/** Whether `error` means the transaction's connection is gone: nothing more may be sent on it. */
export function isConnectionLoss(error: unknown): boolean {
  return toPostgresError(error) instanceof DatabaseUnavailableError;
}

/**
 * `sql.begin(mode, fn)`, except after a lost connection. When `fn` fails, the driver sends
 * ROLLBACK on the transaction's connection; if that connection has closed, postgres 3.4.9
 * schedules the write on a socket it has already dropped and the process dies of an uncaught
 * TypeError in a timer (porsager/postgres issue 1208: `nextWrite` does not guard a null socket).
 * So when `fn` fails because the connection is gone (`fn` must then send nothing more on it), it
 * never settles: the driver sends nothing, and rejects the transaction by itself once it sees
 * the socket close (its `onclose`). A server that reported the loss (57P01 admin_shutdown) closes
 * the socket right after; should it not, the transaction is given up after
 * LOST_CONNECTION_WAIT_MS and its connection left to the driver. Nothing was committed either way:
 * the COMMIT is sent only after `fn` settles.
 */
export async function inTransaction<T>(
  sql: postgres.Sql,
  mode: string,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  let reportLoss: (error: unknown) => void = () => {};
  const lost = new Promise<unknown>((resolve) => {
    reportLoss = resolve;
  });
  const transaction = sql.begin(mode, async (tx) => {
    try {
      return await fn(tx);
    } catch (error) {
      if (!isConnectionLoss(error)) throw error;
      reportLoss(error);
      return new Promise<never>(() => {});
    }
  });
  const givenUp = lost.then(async (error) => {
    await sleep(LOST_CONNECTION_WAIT_MS, undefined, { ref: false });
    throw error;
  });
  // The driver's type unwraps a returned array of promises; `fn` returns plain values.
  return (await Promise.race([transaction, givenUp])) as T;
}
