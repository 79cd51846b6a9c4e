import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../domain/ids.ts';
import { type Db, writeTransaction } from './db.ts';

export type Merchant = { id: string; name: string; createdAt: Date };

/** A merchant as the invoice path needs it: the xpub never leaves the store except to derive. */
export type MerchantKeys = { id: string; name: string; xpub: string };

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** `sk_` + 32 random bytes, base64url: 256 bits, so a hash lookup needs no salt or slow KDF. */
export function generateApiKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

export class XpubInUseError extends Error {
  readonly code = 'xpub_in_use';
  constructor() {
    super('another merchant already uses this xpub: deposit addresses would collide');
  }
}

/** Creates a merchant and its first API key; the key is returned once and only its hash is kept. */
export function createMerchant(
  db: Db,
  input: { name: string; xpub: string; now?: Date },
): { merchant: Merchant; apiKey: string } {
  const now = input.now ?? new Date();
  const merchant = { id: newId('mch', now.getTime()), name: input.name, createdAt: now };
  const apiKey = generateApiKey();
  writeTransaction(db, () => {
    if (db.prepare('SELECT 1 FROM merchants WHERE xpub = ?').get(input.xpub)) throw new XpubInUseError();
    db.prepare('INSERT INTO merchants (id, name, xpub, created_at) VALUES (?, ?, ?, ?)').run(
      merchant.id,
      merchant.name,
      input.xpub,
      now.toISOString(),
    );
    insertApiKey(db, merchant.id, apiKey, now);
  });
  return { merchant, apiKey };
}

function insertApiKey(db: Db, merchantId: string, apiKey: string, now: Date): void {
  db.prepare(
    'INSERT INTO api_keys (id, merchant_id, key_hash, display_prefix, created_at) VALUES (?, ?, ?, ?, ?)',
  ).run(newId('key', now.getTime()), merchantId, hashApiKey(apiKey), apiKey.slice(0, 7), now.toISOString());
}

/** Resolves a presented API key to its merchant and the key's own id, or null for an unknown or revoked key. */
export function findMerchantByApiKey(
  db: Db,
  apiKey: string,
): { merchant: Merchant; apiKeyId: string } | null {
  const row = db
    .prepare(
      `SELECT k.id AS key_id, m.id, m.name, m.created_at FROM api_keys k JOIN merchants m ON m.id = k.merchant_id
       WHERE k.key_hash = ? AND k.revoked_at IS NULL`,
    )
    .get(hashApiKey(apiKey)) as { key_id: string; id: string; name: string; created_at: string } | undefined;
  if (!row) return null;
  return {
    merchant: { id: row.id, name: row.name, createdAt: new Date(row.created_at) },
    apiKeyId: row.key_id,
  };
}

export function getMerchant(db: Db, id: string): Merchant | null {
  const row = db.prepare('SELECT id, name, created_at FROM merchants WHERE id = ?').get(id) as
    | { id: string; name: string; created_at: string }
    | undefined;
  return row ? { id: row.id, name: row.name, createdAt: new Date(row.created_at) } : null;
}

export function listMerchants(db: Db): Merchant[] {
  const rows = db.prepare('SELECT id, name, created_at FROM merchants ORDER BY id').all() as {
    id: string;
    name: string;
    created_at: string;
  }[];
  return rows.map((row) => ({ id: row.id, name: row.name, createdAt: new Date(row.created_at) }));
}
