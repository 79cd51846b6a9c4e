/**
 * Sweeps (README "Sweeps"): one row per sweep transaction of the ForwarderFactory, the deposit
 * addresses it covers, and the per-address, per-token amounts its confirmed receipt's `Flushed`
 * logs moved. Amounts are TEXT base units, as everywhere.
 *
 * Events no longer all belong to an invoice: a sweep event is the merchant's, with `sweep_id`.
 * SQLite cannot drop a NOT NULL in place, so `events` is rebuilt by the 12-step procedure of
 * https://www.sqlite.org/lang_altertable.html#otheralter (store/migrate.ts turns foreign keys off
 * around it and checks them before commit).
 */
export const sweepsSchema = `
CREATE TABLE sweeps (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  chain_id INTEGER NOT NULL,
  payout TEXT NOT NULL,                      -- EIP-55
  -- submitted: signed and (being) broadcast; confirmed: its receipt has the chain's confirmations;
  -- failed: never mined (gas wallet out of ETH, nonce taken by another transaction, reverted).
  status TEXT NOT NULL CHECK (status IN ('submitted','confirmed','failed')),
  from_address TEXT,                         -- the gas wallet
  nonce INTEGER,
  gas_limit TEXT,
  max_fee_per_gas TEXT,
  max_priority_fee_per_gas TEXT,
  tx_hash TEXT,                              -- the latest broadcast; fee bumps replace it
  tx_hashes TEXT NOT NULL DEFAULT '[]',      -- every hash broadcast for this nonce (JSON)
  raw_tx TEXT,                               -- the latest signed transaction, to rebroadcast after a crash or reorg
  tokens TEXT NOT NULL,                      -- JSON array of token addresses flushed
  block_number INTEGER,
  block_hash TEXT,
  gas_used TEXT,
  effective_gas_price TEXT,
  failure_reason TEXT,
  submitted_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  confirmed_at TEXT,
  seq INTEGER NOT NULL UNIQUE
) STRICT;
CREATE INDEX sweeps_merchant ON sweeps (merchant_id, seq);
CREATE INDEX sweeps_open ON sweeps (chain_id, status) WHERE status = 'submitted';
-- One transaction in flight per gas wallet and nonce: a fee bump updates the row, never adds one.
CREATE UNIQUE INDEX sweeps_nonce ON sweeps (chain_id, from_address, nonce) WHERE status = 'submitted';

CREATE TABLE sweep_addresses (
  sweep_id TEXT NOT NULL REFERENCES sweeps(id),
  deposit_address TEXT NOT NULL,
  salt TEXT NOT NULL,
  PRIMARY KEY (sweep_id, deposit_address)
) STRICT;
CREATE INDEX sweep_addresses_address ON sweep_addresses (deposit_address);

-- What a confirmed sweep moved, from its receipt's Flushed logs (token 0x000…0 = ETH).
CREATE TABLE sweep_flushes (
  sweep_id TEXT NOT NULL REFERENCES sweeps(id),
  deposit_address TEXT NOT NULL,
  token_address TEXT NOT NULL,
  amount TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, log_index)
) STRICT;
CREATE INDEX sweep_flushes_address ON sweep_flushes (deposit_address, token_address);

CREATE TABLE events_new (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  invoice_id TEXT REFERENCES invoices(id),
  sweep_id TEXT REFERENCES sweeps(id),
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  fanned_out_at TEXT,
  seq INTEGER
) STRICT;
INSERT INTO events_new (id, merchant_id, invoice_id, type, payload, created_at, fanned_out_at, seq)
  SELECT id, merchant_id, invoice_id, type, payload, created_at, fanned_out_at, seq FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE UNIQUE INDEX events_seq ON events (seq);
CREATE INDEX events_merchant ON events (merchant_id, seq);
CREATE INDEX events_invoice ON events (invoice_id, seq);
CREATE INDEX events_unfanned ON events (seq) WHERE fanned_out_at IS NULL;
CREATE INDEX events_merchant_type ON events (merchant_id, type, seq);
CREATE UNIQUE INDEX events_one_paid ON events (invoice_id) WHERE type = 'invoice.paid';
CREATE UNIQUE INDEX events_one_created ON events (invoice_id) WHERE type = 'invoice.created';
CREATE UNIQUE INDEX events_one_terminal ON events (invoice_id) WHERE type IN ('invoice.expired','invoice.canceled');
-- One outcome per sweep, ever.
CREATE UNIQUE INDEX events_one_sweep_outcome ON events (sweep_id, type) WHERE type IN ('sweep.submitted','sweep.confirmed','sweep.failed');
`;
