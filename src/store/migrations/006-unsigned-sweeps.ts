/**
 * Unsigned sweeps (README "Sweeps"): without a gas wallet, `POST /v1/sweeps` records each planned
 * transaction as an `unsigned` sweep that the merchant sends from its own wallet. Its addresses are
 * held for it until `expires_at`; the follower finds its transaction by the forwarders' `Flushed`
 * logs from `from_block` on (or the merchant reports the hash), and from then on it is followed
 * like any submitted sweep. `calldata` is what the merchant was asked to send.
 *
 * A CHECK constraint cannot be changed in place, so `sweeps` is rebuilt by the 12-step procedure
 * of https://www.sqlite.org/lang_altertable.html#otheralter (store/migrate.ts turns foreign keys
 * off around it and checks them before commit).
 */
export const unsignedSweeps = `
CREATE TABLE sweeps_new (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  chain_id INTEGER NOT NULL,
  payout TEXT NOT NULL,                      -- EIP-55
  -- unsigned: planned for the merchant's own wallet, no transaction seen yet; submitted: signed and
  -- (being) broadcast, or seen; confirmed: its receipt has the chain's confirmations; failed: never
  -- mined (gas wallet out of ETH, nonce taken by another transaction, reverted, unsigned and expired).
  status TEXT NOT NULL CHECK (status IN ('unsigned','submitted','confirmed','failed')),
  from_address TEXT,                         -- the gas wallet, or the merchant's wallet once seen
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
  seq INTEGER NOT NULL UNIQUE,
  calldata TEXT,                             -- unsigned: ForwarderFactory.sweep calldata to send
  from_block INTEGER,                        -- unsigned: the head when it was planned
  expires_at TEXT,                           -- unsigned: its addresses are free again after this
  planned TEXT                               -- JSON [[token, base units]]: what the plan expected to move
) STRICT;
INSERT INTO sweeps_new (id, merchant_id, chain_id, payout, status, from_address, nonce, gas_limit,
    max_fee_per_gas, max_priority_fee_per_gas, tx_hash, tx_hashes, raw_tx, tokens, block_number,
    block_hash, gas_used, effective_gas_price, failure_reason, submitted_at, updated_at, confirmed_at, seq)
  SELECT id, merchant_id, chain_id, payout, status, from_address, nonce, gas_limit,
    max_fee_per_gas, max_priority_fee_per_gas, tx_hash, tx_hashes, raw_tx, tokens, block_number,
    block_hash, gas_used, effective_gas_price, failure_reason, submitted_at, updated_at, confirmed_at, seq
  FROM sweeps;
DROP TABLE sweeps;
ALTER TABLE sweeps_new RENAME TO sweeps;
CREATE INDEX sweeps_merchant ON sweeps (merchant_id, seq);
CREATE INDEX sweeps_open ON sweeps (chain_id, status) WHERE status IN ('unsigned','submitted');
-- One transaction in flight per wallet and nonce: a fee bump updates the row, never adds one.
CREATE UNIQUE INDEX sweeps_nonce ON sweeps (chain_id, from_address, nonce) WHERE status = 'submitted';
`;
