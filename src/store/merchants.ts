import { newId } from '../domain/ids.ts';
import { xpubKeyHash } from '../domain/xpub.ts';
import { authenticateApiKey, generateApiKey, insertApiKey } from './api-keys.ts';
import { type Db, writeTransaction } from './db.ts';

export type Merchant = { id: string; name: string; createdAt: Date };

/** A merchant as the invoice path needs it: the xpub never leaves the store except to derive. */
export type MerchantKeys = { id: string; name: string; xpub: string };

export class XpubInUseError extends Error {
  readonly code = 'xpub_in_use';
  constructor() {
    super('another merchant already uses this xpub: deposit addresses would collide');
  }
}

/**
 * Creates a merchant and its first API key; the key is returned once and only its hash is kept.
 * Uniqueness is of the key itself (domain/xpub.ts xpubKeyHash), not of its text: the same public
 * key and chain code re-encoded with another depth, fingerprint or child number derive the same
 * addresses, and two merchants sharing them would collide on their first invoices.
 */
export function createMerchant(
  db: Db,
  input: { name: string; xpub: string; now?: Date },
): { merchant: Merchant; apiKey: string } {
  const now = input.now ?? new Date();
  const merchant = { id: newId('mch', now.getTime()), name: input.name, createdAt: now };
  const apiKey = generateApiKey();
  const keyHash = xpubKeyHash(input.xpub);
  writeTransaction(db, () => {
    if (db.prepare('SELECT 1 FROM merchants WHERE xpub_key_hash = ? OR xpub = ?').get(keyHash, input.xpub)) {
      throw new XpubInUseError();
    }
    db.prepare(
      'INSERT INTO merchants (id, name, xpub, xpub_key_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(merchant.id, merchant.name, input.xpub, keyHash, now.toISOString());
    insertApiKey(db, { merchantId: merchant.id, apiKey, name: null, now });
  });
  return { merchant, apiKey };
}

/** Resolves a presented API key to its merchant, or null for an unknown or revoked key. */
export function findMerchantByApiKey(db: Db, apiKey: string): Merchant | null {
  return authenticateApiKey(db, apiKey)?.merchant ?? null;
}

export function getMerchant(db: Db, id: string): Merchant | null {
  const row = db.prepare('SELECT id, name, created_at FROM merchants WHERE id = ?').get(id) as
    | { id: string; name: string; created_at: string }
    | undefined;
  return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at) } : null;
}

export function listMerchants(db: Db): Merchant[] {
  const rows = db.prepare('SELECT id, name, created_at FROM merchants ORDER BY created_at, rowid').all() as {
    id: string;
    name: string;
    created_at: string;
  }[];
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: new Date(row.created_at) }));
}
