import postgres from 'postgres';
import {
  BaseError,
  DatabaseBusyError,
  DatabaseUnavailableError,
  StorageFullError,
} from '../../domain/errors.ts';

/**
 * PostgreSQL's codes (SQLSTATE, https://www.postgresql.org/docs/current/errcodes-appendix.html)
 * for a transaction that lost a race with another and may simply be run again.
 */
const CONFLICT_CODES = new Set(['40001', '40P01']);

/**
 * The server went away or refused us: 57P01 admin_shutdown (a restart, `pg_terminate_backend`),
 * 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, in recovery), and class 08
 * (connection exceptions).
 */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03']);

/** The driver's own codes and Node's socket errors for a connection that never was or was lost. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Whether `error` is a serialization failure (40001) or a deadlock (40P01): run the transaction again. */
export function isPostgresConflict(error: unknown): error is postgres.PostgresError {
  return error instanceof postgres.PostgresError && CONFLICT_CODES.has(error.code);
}

/**
 * The typed error for a failure of PostgreSQL or of the connection to it, so that nothing outside
 * the store reads the engine's codes (as to-store-error.ts does for SQLite): the connection
 * refused, lost or timed out, or the server shutting down → DatabaseUnavailableError; a conflict
 * with another transaction, or no connection slot left (53300) → DatabaseBusyError; 53100
 * disk_full → StorageFullError. Anything else (a constraint, a bug in the SQL) is returned as it is.
 */
export function toPostgresError(error: unknown): unknown {
  if (error instanceof BaseError) return error;
  if (error instanceof postgres.PostgresError) {
    const code = error.code;
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return new DatabaseUnavailableError(error);
    if (CONFLICT_CODES.has(code) || code === '53300') return new DatabaseBusyError(error);
    if (code === '53100') return new StorageFullError(error);
    return error;
  }
  if (isConnectionFailure(error)) return new DatabaseUnavailableError(error);
  return error;
}

function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Node tries each address of a host name in turn (`localhost`: ::1, then 127.0.0.1) and
  // reports every refusal at once.
  if (error instanceof AggregateError && error.errors.length > 0)
    return error.errors.every(isConnectionFailure);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}
