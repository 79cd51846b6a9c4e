import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from '../domain/errors.ts';
import { forUpdate, query, type Sql } from './sql.ts';

/** Keys are kept at least this long (≥ 24 h, as the Idempotency-Key of POST /v1/invoices is documented in /openapi.json); older ones may be purged and reused. */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60 * 1000;

export type StoredResponse = { status: number; body: string };

type KeyRow = {
  request_hash: string;
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
};

/**
 * Runs `create` at most once per (merchant, key), in the caller's transaction. The key's row is
 * inserted first: a concurrent request with the same key waits on it (SQLite's write lock, or
 * PostgreSQL's unique index until the first commits), then finds it and replays the stored
 * response. A key seen with another body is refused. The `in_flight` state is what a second
 * request would find if the first one's transaction could be seen before its commit: never, since
 * the row and the response commit together; it is kept for rows of older releases.
 */
export function* runIdempotent(
  input: { merchantId: string; key: string; requestHash: string; now: Date },
  create: () => Sql<StoredResponse>,
): Sql<StoredResponse & { replayed: boolean }> {
  const createdAt = input.now.toISOString();
  const { changes: claimed } = yield* query(
    `INSERT INTO idempotency_keys (merchant_id, key, request_hash, state, created_at) VALUES (?, ?, ?, 'in_flight', ?)
     ON CONFLICT (merchant_id, key) DO NOTHING`,
  ).run(input.merchantId, input.key, input.requestHash, createdAt);
  if (claimed === 0) {
    const row = yield* query<KeyRow>(
      forUpdate(
        'SELECT request_hash, state, response_status, response_body, created_at FROM idempotency_keys WHERE merchant_id = ? AND key = ?',
      ),
    ).get(input.merchantId, input.key);
    const fresh = row && input.now.getTime() - new Date(row.created_at).getTime() < IDEMPOTENCY_RETENTION_MS;
    if (row && fresh) {
      if (row.request_hash !== input.requestHash) throw new IdempotencyKeyReusedError();
      if (row.state !== 'done' || row.response_status === null || row.response_body === null) {
        throw new IdempotencyKeyInFlightError();
      }
      return { status: row.response_status, body: row.response_body, replayed: true };
    }
  }
  const response = yield* create();
  // Also takes over a key past retention, which the purge had not reached yet.
  yield* query(
    `UPDATE idempotency_keys SET request_hash = ?, state = 'done', response_status = ?, response_body = ?, created_at = ?
     WHERE merchant_id = ? AND key = ?`,
  ).run(input.requestHash, response.status, response.body, createdAt, input.merchantId, input.key);
  return { ...response, replayed: false };
}

/** Deletes keys past retention; run periodically. */
export function* purgeIdempotencyKeys(now: Date): Sql<number> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS).toISOString();
  return (yield* query('DELETE FROM idempotency_keys WHERE created_at < ?').run(cutoff)).changes;
}
