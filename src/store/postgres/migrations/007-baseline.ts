/**
 * The whole schema as SQLite's migrations 001–007 leave it (src/store/migrations/), created at
 * once: PostgreSQL databases start at version 7. Same tables, columns, constraints and indexes,
 * with the types PostgreSQL has for SQLite's STRICT ones:
 * - TEXT is `COLLATE "C"`: byte order, as SQLite's BINARY collation compares and sorts ids, ISO
 *   timestamps and addresses; a locale's collation would order `_` or case differently.
 * - INTEGER is BIGINT (SQLite's integers are 64-bit), read back as numbers (postgres/read-rows.ts);
 *   an `INTEGER PRIMARY KEY` (SQLite's rowid) is an identity column.
 * - amounts stay TEXT, as on SQLite: exact decimal strings of base units.
 *
 * What SQLite's single writer gave for free is explicit here:
 * - `invoices.rowid`: SQLite's implicit rowid is the watcher's high-water mark (chain_cursors.
 *   indexed_rowid), so it must grow in commit order. The store takes it from the counter row
 *   `store_counters('invoice_rowid')` (`UPDATE … SET value = value + 1 … RETURNING value`): the row
 *   lock held until commit makes concurrent invoice inserts commit in rowid order. A sequence
 *   would not: a later value can commit first, and a watcher that saw it would skip the earlier one.
 * - the `seq` columns (list order) come from the sequences `<table>_seq` (`nextval('events_seq')`),
 *   as SQLite's `max(seq) + 1` would race between concurrent writers. Their unique indexes are
 *   named `<table>_seq_key`, because PostgreSQL's indexes and sequences share one namespace.
 */
export const baseline = `
CREATE TABLE merchants (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  deposit_mode TEXT COLLATE "C" NOT NULL DEFAULT 'xpub' CHECK (deposit_mode IN ('xpub','forwarder')),
  xpub TEXT COLLATE "C" UNIQUE,
  xpub_key_hash TEXT COLLATE "C",
  -- EIP-55; where a forwarder merchant's new invoices send their funds.
  payout_address TEXT COLLATE "C",
  -- The next index to hand out (xpub child or forwarder salt); bumped with the invoice that uses it.
  next_address_index BIGINT NOT NULL DEFAULT 0,
  created_at TEXT COLLATE "C" NOT NULL,
  CHECK ((deposit_mode = 'xpub' AND xpub IS NOT NULL) OR (deposit_mode = 'forwarder' AND payout_address IS NOT NULL))
);
CREATE UNIQUE INDEX merchants_xpub_key_hash ON merchants (xpub_key_hash);

CREATE TABLE api_keys (
  id TEXT COLLATE "C" PRIMARY KEY,
  merchant_id TEXT COLLATE "C" NOT NULL REFERENCES merchants(id),
  key_hash TEXT COLLATE "C" NOT NULL UNIQUE,  -- SHA-256 hex of the whole key; the key itself is never stored
  display_prefix TEXT COLLATE "C" NOT NULL,   -- first characters, to tell keys apart in listings
  created_at TEXT COLLATE "C" NOT NULL,
  revoked_at TEXT COLLATE "C",
  name TEXT COLLATE "C"
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id, created_at);

CREATE TABLE store_counters (
  name TEXT COLLATE "C" PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO store_counters (name, value) VALUES ('invoice_rowid', 0);

CREATE SEQUENCE invoices_seq;
CREATE SEQUENCE events_seq;
CREATE SEQUENCE deliveries_seq;
CREATE SEQUENCE sweeps_seq;

CREATE TABLE invoices (
  -- SQLite's implicit rowid, made explicit: from store_counters('invoice_rowid'), in commit order.
  rowid BIGINT NOT NULL UNIQUE,
  id TEXT COLLATE "C" PRIMARY KEY,
  merchant_id TEXT COLLATE "C" NOT NULL REFERENCES merchants(id),
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending','processing','paid','expired','canceled')),
  exception TEXT COLLATE "C" CHECK (exception IN ('underpaid','overpaid','paid_late')),
  chain_id BIGINT NOT NULL,
  token_symbol TEXT COLLATE "C" NOT NULL,
  token_address TEXT COLLATE "C" NOT NULL,
  token_decimals BIGINT NOT NULL,
  amount TEXT COLLATE "C" NOT NULL,
  amount_paid TEXT COLLATE "C" NOT NULL DEFAULT '0',      -- confirmed, on-time or not
  amount_detected TEXT COLLATE "C" NOT NULL DEFAULT '0',  -- seen and not reverted, confirmed or not
  address_index BIGINT NOT NULL,
  deposit_address TEXT COLLATE "C" NOT NULL UNIQUE,
  -- Transfers to the address are scanned from this block on (the watcher's cursor at creation).
  watch_from_block BIGINT,
  order_id TEXT COLLATE "C",
  description TEXT COLLATE "C",
  metadata TEXT COLLATE "C" NOT NULL DEFAULT '{}',
  created_at TEXT COLLATE "C" NOT NULL,
  expires_at TEXT COLLATE "C" NOT NULL,
  paid_at TEXT COLLATE "C",
  expired_at TEXT COLLATE "C",
  canceled_at TEXT COLLATE "C",
  updated_at TEXT COLLATE "C" NOT NULL,
  seq BIGINT,
  return_url TEXT COLLATE "C",
  deposit_mode TEXT COLLATE "C" NOT NULL DEFAULT 'xpub' CHECK (deposit_mode IN ('xpub','forwarder')),
  forwarder_payout TEXT COLLATE "C",
  forwarder_salt TEXT COLLATE "C",
  UNIQUE (merchant_id, address_index)
);
CREATE INDEX invoices_open_expiry ON invoices (expires_at) WHERE status IN ('pending','processing');
CREATE INDEX invoices_chain_address ON invoices (chain_id, deposit_address);
CREATE UNIQUE INDEX invoices_seq_key ON invoices (seq);
CREATE INDEX invoices_merchant_list ON invoices (merchant_id, seq);
CREATE INDEX invoices_merchant_status ON invoices (merchant_id, status, seq);

CREATE TABLE transfers (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  chain_id BIGINT NOT NULL,
  invoice_id TEXT COLLATE "C" NOT NULL REFERENCES invoices(id),
  token_address TEXT COLLATE "C" NOT NULL,
  tx_hash TEXT COLLATE "C" NOT NULL,
  log_index BIGINT NOT NULL,
  block_number BIGINT NOT NULL,
  block_hash TEXT COLLATE "C" NOT NULL,
  block_timestamp BIGINT NOT NULL,         -- unix seconds, decides "on time"
  from_address TEXT COLLATE "C" NOT NULL,
  to_address TEXT COLLATE "C" NOT NULL,
  amount TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('detected','confirmed','reverted')),
  confirmations BIGINT NOT NULL DEFAULT 0,
  -- Outbox for settlement: every status change bumps version; settlement records what it applied.
  version BIGINT NOT NULL DEFAULT 1,
  settled_version BIGINT NOT NULL DEFAULT 0,
  -- The status settlement last applied: payment_detected / payment_reverted fire on its changes.
  settled_status TEXT COLLATE "C" CHECK (settled_status IN ('detected','confirmed','reverted')),
  detected_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  UNIQUE (chain_id, block_hash, log_index)
);
CREATE INDEX transfers_invoice ON transfers (invoice_id, block_number, log_index);
CREATE INDEX transfers_unsettled ON transfers (id) WHERE settled_version < version;
CREATE INDEX transfers_open ON transfers (chain_id, block_number) WHERE status = 'detected';

CREATE TABLE sweeps (
  id TEXT COLLATE "C" PRIMARY KEY,
  merchant_id TEXT COLLATE "C" NOT NULL REFERENCES merchants(id),
  chain_id BIGINT NOT NULL,
  payout TEXT COLLATE "C" NOT NULL,                   -- EIP-55
  -- unsigned: planned for the merchant's own wallet, no transaction seen yet; submitted: signed and
  -- (being) broadcast, or seen; confirmed: its receipt has the chain's confirmations; failed: never
  -- mined (gas wallet out of ETH, nonce taken by another transaction, reverted, unsigned and expired).
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('unsigned','submitted','confirmed','failed')),
  from_address TEXT COLLATE "C",                      -- the gas wallet, or the merchant's wallet once seen
  nonce BIGINT,
  gas_limit TEXT COLLATE "C",
  max_fee_per_gas TEXT COLLATE "C",
  max_priority_fee_per_gas TEXT COLLATE "C",
  tx_hash TEXT COLLATE "C",                           -- the latest broadcast; fee bumps replace it
  tx_hashes TEXT COLLATE "C" NOT NULL DEFAULT '[]',   -- every hash broadcast for this nonce (JSON)
  raw_tx TEXT COLLATE "C",                            -- the latest signed transaction, to rebroadcast after a crash or reorg
  tokens TEXT COLLATE "C" NOT NULL,                   -- JSON array of token addresses flushed
  block_number BIGINT,
  block_hash TEXT COLLATE "C",
  gas_used TEXT COLLATE "C",
  effective_gas_price TEXT COLLATE "C",
  failure_reason TEXT COLLATE "C",
  submitted_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  confirmed_at TEXT COLLATE "C",
  seq BIGINT NOT NULL UNIQUE,
  calldata TEXT COLLATE "C",                          -- unsigned: ForwarderFactory.sweep calldata to send
  from_block BIGINT,                                  -- unsigned: the head when it was planned
  expires_at TEXT COLLATE "C",                        -- unsigned: its addresses are free again after this
  planned TEXT COLLATE "C"                            -- JSON [[token, base units]]: what the plan expected to move
);
CREATE INDEX sweeps_merchant ON sweeps (merchant_id, seq);
CREATE INDEX sweeps_open ON sweeps (chain_id, status) WHERE status IN ('unsigned','submitted');
CREATE UNIQUE INDEX sweeps_nonce ON sweeps (chain_id, from_address, nonce) WHERE status = 'submitted';

CREATE TABLE sweep_addresses (
  sweep_id TEXT COLLATE "C" NOT NULL REFERENCES sweeps(id),
  deposit_address TEXT COLLATE "C" NOT NULL,
  salt TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (sweep_id, deposit_address)
);
CREATE INDEX sweep_addresses_address ON sweep_addresses (deposit_address);

CREATE TABLE sweep_flushes (
  sweep_id TEXT COLLATE "C" NOT NULL REFERENCES sweeps(id),
  deposit_address TEXT COLLATE "C" NOT NULL,
  token_address TEXT COLLATE "C" NOT NULL,
  amount TEXT COLLATE "C" NOT NULL,
  log_index BIGINT NOT NULL,
  PRIMARY KEY (sweep_id, log_index)
);
CREATE INDEX sweep_flushes_address ON sweep_flushes (deposit_address, token_address);

CREATE TABLE events (
  id TEXT COLLATE "C" PRIMARY KEY,
  merchant_id TEXT COLLATE "C" NOT NULL REFERENCES merchants(id),
  invoice_id TEXT COLLATE "C" REFERENCES invoices(id),
  sweep_id TEXT COLLATE "C" REFERENCES sweeps(id),
  type TEXT COLLATE "C" NOT NULL,
  payload TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  fanned_out_at TEXT COLLATE "C",
  seq BIGINT
);
CREATE UNIQUE INDEX events_seq_key ON events (seq);
CREATE INDEX events_merchant ON events (merchant_id, seq);
CREATE INDEX events_invoice ON events (invoice_id, seq);
CREATE INDEX events_unfanned ON events (seq) WHERE fanned_out_at IS NULL;
CREATE INDEX events_merchant_type ON events (merchant_id, type, seq);
CREATE UNIQUE INDEX events_one_paid ON events (invoice_id) WHERE type = 'invoice.paid';
CREATE UNIQUE INDEX events_one_created ON events (invoice_id) WHERE type = 'invoice.created';
CREATE UNIQUE INDEX events_one_terminal ON events (invoice_id) WHERE type IN ('invoice.expired','invoice.canceled');
CREATE UNIQUE INDEX events_one_sweep_outcome ON events (sweep_id, type) WHERE type IN ('sweep.submitted','sweep.confirmed','sweep.failed');

CREATE TABLE webhook_endpoints (
  id TEXT COLLATE "C" PRIMARY KEY,
  merchant_id TEXT COLLATE "C" NOT NULL REFERENCES merchants(id),
  url TEXT COLLATE "C" NOT NULL,
  events TEXT COLLATE "C",                  -- JSON array of event types, NULL = all
  secret TEXT COLLATE "C" NOT NULL,         -- sealed (AES-256-GCM, store/secret-box.ts): needed to sign, never served again
  status TEXT COLLATE "C" NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled','disabled')),
  disabled_reason TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  deleted_at TEXT COLLATE "C",
  previous_secret TEXT COLLATE "C",
  previous_secret_expires_at TEXT COLLATE "C"
);
CREATE INDEX webhook_endpoints_merchant ON webhook_endpoints (merchant_id, id);

CREATE TABLE deliveries (
  id TEXT COLLATE "C" PRIMARY KEY,
  event_id TEXT COLLATE "C" NOT NULL REFERENCES events(id),
  endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id),
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending','succeeded','failed')),
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at TEXT COLLATE "C",         -- when pending: due time of the next attempt
  -- Bumped on each (re)schedule so the job id of each attempt is distinct and deterministic.
  schedule_version BIGINT NOT NULL DEFAULT 0,
  enqueued_version BIGINT NOT NULL DEFAULT -1,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  seq BIGINT
);
CREATE UNIQUE INDEX deliveries_seq_key ON deliveries (seq);
CREATE INDEX deliveries_event ON deliveries (event_id, seq);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, seq) WHERE status = 'pending';

CREATE TABLE delivery_attempts (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  delivery_id TEXT COLLATE "C" NOT NULL REFERENCES deliveries(id),
  attempted_at TEXT COLLATE "C" NOT NULL,
  response_status BIGINT,
  duration_ms BIGINT NOT NULL,
  error TEXT COLLATE "C"
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

CREATE TABLE idempotency_keys (
  merchant_id TEXT COLLATE "C" NOT NULL REFERENCES merchants(id),
  key TEXT COLLATE "C" NOT NULL,
  request_hash TEXT COLLATE "C" NOT NULL,
  state TEXT COLLATE "C" NOT NULL CHECK (state IN ('in_flight','done')),
  response_status BIGINT,
  response_body TEXT COLLATE "C",
  created_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (merchant_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE chain_cursors (
  -- A rowid alias on SQLite, but always the chain's id, never assigned: no identity.
  chain_id BIGINT PRIMARY KEY,
  block_number BIGINT NOT NULL,
  block_hash TEXT COLLATE "C" NOT NULL,
  block_timestamp BIGINT NOT NULL,
  -- The node's head when last polled, and when the cursor last reached it (for /readyz and expiry).
  head_number BIGINT NOT NULL,
  synced_at TEXT COLLATE "C",
  -- Invoices up to this rowid were in the watcher's address index for every block up to the cursor;
  -- newer ones get a catch-up scan from their watch_from_block (also after a restart).
  indexed_rowid BIGINT NOT NULL DEFAULT 0,
  -- A reorg deeper than the confirmation depth: an alert surfaced in /readyz, never silent.
  deep_reorg_at TEXT COLLATE "C",
  deep_reorg_detail TEXT COLLATE "C",
  updated_at TEXT COLLATE "C" NOT NULL,
  head_advanced_at TEXT COLLATE "C",
  stale_after_ms BIGINT
);

CREATE TABLE chain_blocks (
  chain_id BIGINT NOT NULL,
  number BIGINT NOT NULL,
  hash TEXT COLLATE "C" NOT NULL,
  parent_hash TEXT COLLATE "C" NOT NULL,
  timestamp BIGINT NOT NULL,
  PRIMARY KEY (chain_id, number)
);
`;
