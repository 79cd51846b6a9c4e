import type Database from 'better-sqlite3';
import { xpubKeyHash } from '../../domain/xpub.ts';

/**
 * Ids no longer carry an order within a millisecond (domain/ids.ts), so the tables whose order
 * matters get a `seq`: a per-table counter the store assigns as max + 1 inside the writing
 * transaction (SQLite has one writer at a time, so it is the commit order). Not the implicit rowid:
 * VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY. Existing rows take their
 * rowid, which is their insertion order. Also: the canonical identity of each merchant's xpub,
 * named API keys, and a webhook endpoint's previous secret during a roll.
 */
const schema = `
ALTER TABLE events ADD COLUMN seq INTEGER;
UPDATE events SET seq = rowid;
CREATE UNIQUE INDEX events_seq ON events (seq);
DROP INDEX events_merchant;
DROP INDEX events_invoice;
DROP INDEX events_unfanned;
CREATE INDEX events_merchant ON events (merchant_id, seq);
CREATE INDEX events_invoice ON events (invoice_id, seq);
CREATE INDEX events_unfanned ON events (seq) WHERE fanned_out_at IS NULL;

ALTER TABLE invoices ADD COLUMN seq INTEGER;
UPDATE invoices SET seq = rowid;
CREATE UNIQUE INDEX invoices_seq ON invoices (seq);
DROP INDEX invoices_merchant_list;
DROP INDEX invoices_merchant_status;
CREATE INDEX invoices_merchant_list ON invoices (merchant_id, seq);
CREATE INDEX invoices_merchant_status ON invoices (merchant_id, status, seq);

ALTER TABLE deliveries ADD COLUMN seq INTEGER;
UPDATE deliveries SET seq = rowid;
CREATE UNIQUE INDEX deliveries_seq ON deliveries (seq);
DROP INDEX deliveries_event;
DROP INDEX deliveries_due;
CREATE INDEX deliveries_event ON deliveries (event_id, seq);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending';

-- SHA-256 of (compressed public key || chain code), domain/xpub.ts: the same wallet re-encoded
-- (another depth, fingerprint or child number) is the same key. NULL only for a merchant that
-- already shared its key with an older one before this migration (see below).
ALTER TABLE merchants ADD COLUMN xpub_key_hash TEXT;

ALTER TABLE api_keys ADD COLUMN name TEXT;
CREATE INDEX api_keys_merchant ON api_keys (merchant_id, created_at);

-- Sealed like secret (store/secret-box.ts): the secret before the last roll, which still signs
-- beside the current one until previous_secret_expires_at.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at TEXT;
`;

/**
 * Back-fills the key hash in code (SQL cannot decode base58check). Oldest merchant first: a later
 * merchant whose key an older one already holds keeps a NULL hash rather than failing the
 * migration; its invoices answer 409 deposit_address_in_use where addresses collide.
 */
function backfillXpubKeyHashes(db: Database.Database): void {
  // Run once, so compiled here rather than kept (store/statement.ts).
  const merchants = db
    .prepare<[], { id: string; xpub: string }>('SELECT id, xpub FROM merchants ORDER BY created_at, rowid')
    .all();
  const taken = new Set<string>();
  const update = db.prepare('UPDATE merchants SET xpub_key_hash = ? WHERE id = ?');
  for (const merchant of merchants) {
    const hash = xpubKeyHash(merchant.xpub);
    if (taken.has(hash)) continue;
    taken.add(hash);
    update.run(hash, merchant.id);
  }
}

export function keysAndIds(db: Database.Database): void {
  db.exec(schema);
  backfillXpubKeyHashes(db);
  db.exec('CREATE UNIQUE INDEX merchants_xpub_key_hash ON merchants (xpub_key_hash)');
}
