import { UnrecoverableError } from 'bullmq';
import { BaseError, DatabaseBusyError } from '../domain/errors.ts';
import { isDatabaseBusy } from '../store/db.ts';

/**
 * The queue mapping of errors, one for every processor (docs/architecture.md, "Errors"): SQLite contention and any
 * error that says it is retryable are worth BullMQ's own retries; anything else is a bug or bad
 * data that retrying cannot fix.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof BaseError ? error.retryable : isDatabaseBusy(error);
}

/**
 * The error a processor throws: a retryable one as it is (a raw SQLITE_BUSY as DatabaseBusyError),
 * anything else wrapped in BullMQ's UnrecoverableError so the job fails at once, with the original
 * as its `cause`. `label` (e.g. "delivery dlv_…") prefixes the message BullMQ keeps as failedReason.
 */
export function toJobError(error: unknown, label?: string): Error {
  if (isRetryable(error)) return error instanceof BaseError ? error : new DatabaseBusyError(error);
  const message = error instanceof Error ? error.message : String(error);
  // BullMQ's constructor takes a message only; `cause` is the standard Error property (ES2022).
  const wrapped = new UnrecoverableError(label ? `${label}: ${message}` : message);
  wrapped.cause = error;
  return wrapped;
}
