/**
 * Typed failures. Each class is one failure that callers treat differently; `code` is stable
 * (clients branch on it), `retryable` tells queues and clients whether trying again can help.
 * The HTTP mapping of every code lives in http/problem.ts alone.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'unauthorized'
  | 'route_not_found'
  | 'invoice_not_found'
  | 'event_not_found'
  | 'webhook_endpoint_not_found'
  | 'api_key_not_found'
  | 'sweep_not_found'
  | 'invoice_not_cancelable'
  | 'sweep_not_unsigned'
  | 'transaction_not_found'
  | 'transaction_mismatch'
  | 'deposit_address_in_use'
  | 'last_api_key'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_flight'
  | 'webhook_url_invalid'
  | 'webhook_url_private'
  | 'webhook_url_unresolvable'
  | 'address_space_exhausted'
  | 'too_many_streams'
  | 'rate_limited'
  | 'webhook_endpoint_limit'
  | 'database_busy'
  | 'database_unavailable'
  | 'storage_full'
  | 'chain_unavailable'
  | 'internal_error'
  // Failures that never reach an API client as themselves (the CLI, the workers, migrations):
  | 'xpub_in_use'
  | 'address_already_sweeping'
  | 'gas_wallet_unfunded'
  | 'secret_unreadable'
  | 'webhook_secret_invalid'
  | 'webhook_id_invalid'
  | 'foreign_key_violation'
  | 'database_copy_failed';

export type FieldError = { field: string; message: string };

export class BaseError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly errors: FieldError[] | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; errors?: FieldError[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.errors = options.errors;
  }
}

export class ValidationError extends BaseError {
  constructor(errors: FieldError[], message = 'The request has invalid fields.') {
    super('validation_failed', message, { errors });
  }
}

export class NotFoundError extends BaseError {
  constructor(
    code:
      | 'invoice_not_found'
      | 'event_not_found'
      | 'webhook_endpoint_not_found'
      | 'api_key_not_found'
      | 'sweep_not_found'
      | 'route_not_found',
    message: string,
  ) {
    super(code, message);
  }
}

export class InvoiceNotCancelableError extends BaseError {
  constructor(status: string) {
    super(
      'invoice_not_cancelable',
      `Only a pending invoice with nothing received can be canceled; this one is ${status}.`,
    );
  }
}

export class IdempotencyKeyReusedError extends BaseError {
  constructor() {
    super('idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
  }
}

export class IdempotencyKeyInFlightError extends BaseError {
  constructor() {
    super('idempotency_key_in_flight', 'A request with this Idempotency-Key is still being processed.', {
      retryable: true,
    });
  }
}

export class DatabaseBusyError extends BaseError {
  constructor(cause: unknown) {
    super('database_busy', 'The database is busy; try again shortly.', { retryable: true, cause });
  }
}

/**
 * The database server cannot be reached or dropped the connection (PostgreSQL restarting, the
 * network). A write that failed this way may or may not have committed: it is not retried inside
 * the store, and the caller retries what is safe to repeat (an idempotent request, a queue job).
 */
export class DatabaseUnavailableError extends BaseError {
  constructor(cause: unknown) {
    super('database_unavailable', 'The database is unavailable; try again shortly.', {
      retryable: true,
      cause,
    });
  }
}

/**
 * The disk (or SQLite's `max_page_count`) has no room for a write: SQLite rolled it back, so
 * nothing was written. A client may retry later (507); a queue job is not retried within seconds,
 * which would not find space either: the outboxes offer the work again later.
 */
export class StorageFullError extends BaseError {
  constructor(cause: unknown) {
    super('storage_full', 'The server is out of storage; nothing was written. Try again later.', { cause });
  }
}

/** A merchant already has as many webhook endpoints as the operator allows (deleted ones excluded). */
export class WebhookEndpointLimitError extends BaseError {
  constructor(max: number) {
    super(
      'webhook_endpoint_limit',
      `A merchant can have at most ${max} webhook endpoints; delete one before adding another.`,
    );
  }
}

/** A transaction was reported for a sweep that is no longer waiting for one. */
export class SweepNotUnsignedError extends BaseError {
  constructor(status: string) {
    super('sweep_not_unsigned', `Only an unsigned sweep takes a transaction; this one is ${status}.`);
  }
}

/**
 * A reported transaction that the node does not know (yet: retrying after it propagates can help)
 * or that does not send what was asked (another contract or other calldata).
 */
export class ReportedTransactionError extends BaseError {
  constructor(code: 'transaction_not_found' | 'transaction_mismatch', message: string) {
    super(code, message, { retryable: code === 'transaction_not_found' });
  }
}

/** The chain's node did not answer (a read the request needs, e.g. balances to plan a sweep). */
export class ChainUnavailableError extends BaseError {
  constructor(chainId: number, cause: unknown) {
    super('chain_unavailable', `The node of chain ${chainId} did not answer; try again shortly.`, {
      retryable: true,
      cause,
    });
  }
}
