/**
 * Deposit modes (README "Merchants"): an `xpub` merchant's invoice i pays child i of its xpub; a
 * `forwarder` merchant's invoice i pays the CREATE2 address of a forwarder that can only send to
 * its payout (contracts/Forwarder.sol, domain/forwarder-address.ts), and needs no xpub. The xpub
 * column becomes nullable, which SQLite can only do by rebuilding the table (runMigrations turns
 * foreign keys off around it and checks them before the commit).
 *
 * Each forwarder invoice keeps the payout and salt its address commits to: a sweep needs exactly
 * those two, even after the merchant has changed its payout for new invoices.
 */
export const depositMode = `
CREATE TABLE merchants_new (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  deposit_mode TEXT NOT NULL DEFAULT 'xpub' CHECK (deposit_mode IN ('xpub','forwarder')),
  xpub TEXT UNIQUE,
  xpub_key_hash TEXT,
  -- EIP-55; where a forwarder merchant's new invoices send their funds.
  payout_address TEXT,
  -- The next index to hand out (xpub child or forwarder salt); bumped with the invoice that uses it.
  next_address_index INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  CHECK ((deposit_mode = 'xpub' AND xpub IS NOT NULL) OR (deposit_mode = 'forwarder' AND payout_address IS NOT NULL))
) STRICT;
INSERT INTO merchants_new (id, name, deposit_mode, xpub, xpub_key_hash, next_address_index, created_at)
  SELECT id, name, 'xpub', xpub, xpub_key_hash, next_address_index, created_at FROM merchants;
DROP TABLE merchants;
ALTER TABLE merchants_new RENAME TO merchants;
CREATE UNIQUE INDEX merchants_xpub_key_hash ON merchants (xpub_key_hash);

ALTER TABLE invoices ADD COLUMN deposit_mode TEXT NOT NULL DEFAULT 'xpub'
  CHECK (deposit_mode IN ('xpub','forwarder'));
ALTER TABLE invoices ADD COLUMN forwarder_payout TEXT;
ALTER TABLE invoices ADD COLUMN forwarder_salt TEXT;
`;
