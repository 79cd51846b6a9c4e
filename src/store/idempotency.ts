import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from '../domain/errors.ts';
import { type Db, writeTransaction } from './db.ts';
import { query, type Sql } from './sql.ts';

/** Keys are kept at least this long (≥ 24 h, as the Idempotency-Key of POST /v1/invoices is documented in /openapi.json); older ones may be purged and reused. */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60 * 1000;

export type StoredResponse = { status: number; body: string };

/**
 * Runs `create` at most once per (merchant, key). The lookup, the creation and the stored response
 * commit in one immediate transaction, so concurrent requests with one key serialize on SQLite's
 * write lock: the first creates, the rest replay its response. A key seen with another body is
 * refused. Because nothing awaits in between, a request is never observably "in flight" to a
 * second one here; the state exists for rows written by a process that died mid-request.
 */
export function* runIdempotent(input: { merchantId: string; key: string; requestHash: string; now: Date },
  create: () => StoredResponse,
): Sql<StoredResponse & { replayed: boolean }> {
  return writeTransaction(db, () => {
    const row = yield* query<{
      request_hash: string;
      state: string;
      response_status: number | null;
      response_body: string | null;
      created_at: string;
    }>('SELECT request_hash, state, response_status, response_body, created_at FROM idempotency_keys WHERE merchant_id = ? AND key = ?',
    ).get(input.merchantId, input.key);
    const fresh = row && input.now.getTime() - new Date(row.created_at).getTime() < IDEMPOTENCY_RETENTION_MS;
    if (row && fresh) {
      if (row.request_hash !== input.requestHash) throw new IdempotencyKeyReusedError();
      if (row.state !== 'done' || row.response_status === null || row.response_body === null) {
        throw new IdempotencyKeyInFlightError();
      }
      return { status: row.response_status, body: row.response_body, replayed: true };
    }
    const response = create();
    yield* query(`INSERT INTO idempotency_keys (merchant_id, key, request_hash, state, response_status, response_body, created_at)
       VALUES (?, ?, ?, 'done', ?, ?, ?)
       ON CONFLICT (merchant_id, key) DO UPDATE SET request_hash = excluded.request_hash, state = 'done',
         response_status = excluded.response_status, response_body = excluded.response_body, created_at = excluded.created_at`,
    ).run(
      input.merchantId,
      input.key,
      input.requestHash,
      response.status,
      response.body,
      input.now.toISOString(),
    );
    return { ...response, replayed: false };
  });
}

/** Deletes keys past retention; run periodically. */
export function* purgeIdempotencyKeys(now: Date): Sql<number> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS).toISOString();
  return writeTransaction(
    db,
    () => yield* query('DELETE FROM idempotency_keys WHERE created_at < ?').run(cutoff).changes,
  );
}
