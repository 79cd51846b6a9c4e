import { createHash, randomBytes } from 'node:crypto';
import { BaseError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Merchant } from '../domain/merchant.ts';
import { forUpdate, pluck, query, type Sql } from './sql.ts';

/** An API key as it may be shown again: never the key itself nor its hash. */
export type ApiKey = {
  id: string;
  merchantId: string;
  name: string | null;
  /** The key's first characters, to tell keys apart in listings. */
  prefix: string;
  createdAt: Date;
};

type ApiKeyRow = {
  id: string;
  merchant_id: string;
  name: string | null;
  display_prefix: string;
  created_at: string;
};

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  merchantId: row.merchant_id,
  name: row.name,
  prefix: row.display_prefix,
  createdAt: new Date(row.created_at),
});

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** `sk_` + 32 random bytes, base64url: 256 bits, so a hash lookup needs no salt or slow KDF. */
export function generateApiKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

/** Refusing to revoke the last active key: the merchant would be locked out of its own API. */
export class LastApiKeyError extends BaseError {
  constructor() {
    super('last_api_key', "This is the merchant's last active API key; create another before revoking it.");
  }
}

/** Stores the hash of `apiKey`; call inside the transaction that needs it (merchant creation). */
export function* insertApiKey(input: {
  merchantId: string;
  apiKey: string;
  name: string | null;
  now: Date;
}): Sql<ApiKey> {
  const row: ApiKeyRow = {
    id: newId('key', input.now.getTime()),
    merchant_id: input.merchantId,
    name: input.name,
    display_prefix: input.apiKey.slice(0, 7),
    created_at: input.now.toISOString(),
  };
  yield* query(`INSERT INTO api_keys (id, merchant_id, key_hash, display_prefix, name, created_at)
     VALUES (?, ?, ?, ?, ?, ?)`).run(
    row.id,
    row.merchant_id,
    hashApiKey(input.apiKey),
    row.display_prefix,
    row.name,
    row.created_at,
  );
  return toApiKey(row);
}

/** A new key for an existing merchant; the key is returned here once and only its hash is kept. */
export function* createApiKey(input: {
  merchantId: string;
  name: string | null;
  now: Date;
}): Sql<{ apiKey: ApiKey; secret: string }> {
  const secret = generateApiKey();
  const apiKey = yield* insertApiKey({ ...input, apiKey: secret });
  return { apiKey, secret };
}

/** A merchant's active keys, oldest first. */
export function* listApiKeys(merchantId: string): Sql<ApiKey[]> {
  const rows = yield* query<ApiKeyRow>(`SELECT id, merchant_id, name, display_prefix, created_at FROM api_keys
     WHERE merchant_id = ? AND revoked_at IS NULL ORDER BY created_at, id`).all(merchantId);
  return rows.map(toApiKey);
}

/**
 * Revokes one of the merchant's active keys, at once: every request looks its key up (api/auth.ts),
 * so nothing cached outlives this commit. The last active key is kept (LastApiKeyError). Another
 * merchant's key is answered as not found.
 */
export function* revokeApiKey(input: { merchantId: string; id: string; now: Date }): Sql<void> {
  // Locked: two revocations at once must not both see the other key still active.
  const active = yield* pluck<string>(
    forUpdate('SELECT id FROM api_keys WHERE merchant_id = ? AND revoked_at IS NULL'),
  ).all(input.merchantId);
  if (!active.includes(input.id))
    throw new NotFoundError('api_key_not_found', `No active API key ${input.id}.`);
  if (active.length === 1) throw new LastApiKeyError();
  yield* query('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(input.now.toISOString(), input.id);
}

/** Resolves a presented key to its merchant and key id, or null for an unknown or revoked key. */
export function* authenticateApiKey(apiKey: string): Sql<{ merchant: Merchant; apiKeyId: string } | null> {
  const row = yield* query<{
    key_id: string;
    id: string;
    name: string;
    created_at: string;
  }>(`SELECT k.id AS key_id, m.id, m.name, m.created_at FROM api_keys k JOIN merchants m ON m.id = k.merchant_id
     WHERE k.key_hash = ? AND k.revoked_at IS NULL`).get(hashApiKey(apiKey));
  if (!row) return null;
  return {
    merchant: { id: row.id, name: row.name, createdAt: new Date(row.created_at) },
    apiKeyId: row.key_id,
  };
}
