import { type Address, getAddress } from 'viem';
import { BaseError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Merchant } from '../domain/merchant.ts';
import { xpubKeyHash } from '../domain/xpub.ts';
import { authenticateApiKey, generateApiKey, insertApiKey } from './api-keys.ts';
import { query, type Sql } from './sql.ts';
import { isUniqueViolation } from './to-store-error.ts';

export class XpubInUseError extends BaseError {
  constructor() {
    super('xpub_in_use', 'another merchant already uses this xpub: deposit addresses would collide');
  }
}

/** How a merchant's deposit addresses are made (README "Merchants"). */
export type MerchantDeposits = { xpub: string } | { payout: Address };

/**
 * Creates a merchant and its first API key; the key is returned once and only its hash is kept.
 * An xpub merchant's uniqueness is of the key itself (domain/xpub.ts xpubKeyHash), not of its
 * text: the same public key and chain code re-encoded with another depth, fingerprint or child
 * number derive the same addresses, and two merchants sharing them would collide on their first
 * invoices. Forwarder merchants may share a payout: their salts differ (domain/forwarder-address.ts).
 */
export function* createMerchant(
  input: { name: string; now?: Date } & MerchantDeposits,
): Sql<{ merchant: Merchant; apiKey: string }> {
  const now = input.now ?? new Date();
  const merchant = { id: newId('mch', now.getTime()), name: input.name, createdAt: now };
  const apiKey = generateApiKey();
  if ('xpub' in input) {
    const keyHash = xpubKeyHash(input.xpub);
    if (
      yield* query('SELECT 1 FROM merchants WHERE xpub_key_hash = ? OR xpub = ?').get(keyHash, input.xpub)
    ) {
      throw new XpubInUseError();
    }
    try {
      yield* query(
        "INSERT INTO merchants (id, name, deposit_mode, xpub, xpub_key_hash, created_at) VALUES (?, ?, 'xpub', ?, ?, ?)",
      ).run(merchant.id, merchant.name, input.xpub, keyHash, now.toISOString());
    } catch (error) {
      // Another process registered the same key since the check (PostgreSQL: concurrent writers).
      if (isUniqueViolation(error)) throw new XpubInUseError();
      throw error;
    }
  } else {
    yield* query(
      "INSERT INTO merchants (id, name, deposit_mode, payout_address, created_at) VALUES (?, ?, 'forwarder', ?, ?)",
    ).run(merchant.id, merchant.name, getAddress(input.payout), now.toISOString());
  }
  yield* insertApiKey({ merchantId: merchant.id, apiKey, name: null, now });
  return { merchant, apiKey };
}

/** Resolves a presented API key to its merchant, or null for an unknown or revoked key. */
export function* findMerchantByApiKey(apiKey: string): Sql<Merchant | null> {
  return (yield* authenticateApiKey(apiKey))?.merchant ?? null;
}

export function* getMerchant(id: string): Sql<Merchant | null> {
  const row = yield* query<{ id: string; name: string; created_at: string }>(
    'SELECT id, name, created_at FROM merchants WHERE id = ?',
  ).get(id);
  return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at) } : null;
}

export function* listMerchants(): Sql<Merchant[]> {
  const rows = yield* query<{
    id: string;
    name: string;
    created_at: string;
  }>('SELECT id, name, created_at FROM merchants ORDER BY created_at, id').all();
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: new Date(row.created_at) }));
}

/** Locks the merchant's row until commit on PostgreSQL, to count or number its objects one writer at a time. */
export function* lockMerchant(merchantId: string): Sql<void> {
  yield* query({ postgres: 'SELECT 1 FROM merchants WHERE id = ? FOR NO KEY UPDATE' }).get(merchantId);
}
