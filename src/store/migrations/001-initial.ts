/**
 * Amounts are TEXT holding base-unit integers (better-sqlite3 cannot bind a bigint above 2^63).
 * Times are ISO-8601 UTC TEXT, which sorts as time. Addresses are stored EIP-55.
 */
export const initialSchema = `
CREATE TABLE merchants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  xpub TEXT NOT NULL UNIQUE,
  -- The next child index to hand out; taken in the same transaction as the invoice that uses it.
  next_address_index INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  key_hash TEXT NOT NULL UNIQUE,          -- SHA-256 hex of the whole key; the key itself is never stored
  display_prefix TEXT NOT NULL,           -- first characters, to tell keys apart in listings
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;

CREATE TABLE invoices (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  status TEXT NOT NULL CHECK (status IN ('pending','processing','paid','expired','canceled')),
  exception TEXT CHECK (exception IN ('underpaid','overpaid','paid_late')),
  chain_id INTEGER NOT NULL,
  token_symbol TEXT NOT NULL,
  token_address TEXT NOT NULL,
  token_decimals INTEGER NOT NULL,
  amount TEXT NOT NULL,
  amount_paid TEXT NOT NULL DEFAULT '0',     -- confirmed, on-time or not
  amount_detected TEXT NOT NULL DEFAULT '0', -- seen and not reverted, confirmed or not
  address_index INTEGER NOT NULL,
  deposit_address TEXT NOT NULL UNIQUE,
  -- Transfers to the address are scanned from this block on (the watcher's cursor at creation).
  watch_from_block INTEGER,
  order_id TEXT,
  description TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  paid_at TEXT,
  expired_at TEXT,
  canceled_at TEXT,
  updated_at TEXT NOT NULL,
  UNIQUE (merchant_id, address_index)
) STRICT;
CREATE INDEX invoices_merchant_list ON invoices (merchant_id, id DESC);
CREATE INDEX invoices_merchant_status ON invoices (merchant_id, status, id DESC);
CREATE INDEX invoices_open_expiry ON invoices (expires_at) WHERE status IN ('pending','processing');
CREATE INDEX invoices_chain_address ON invoices (chain_id, deposit_address);

-- Every transfer of a configured token to a deposit address, whatever the invoice's state.
CREATE TABLE transfers (
  id INTEGER PRIMARY KEY,
  chain_id INTEGER NOT NULL,
  invoice_id TEXT NOT NULL REFERENCES invoices(id),
  token_address TEXT NOT NULL,
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  block_timestamp INTEGER NOT NULL,        -- unix seconds, decides "on time"
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  amount TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('detected','confirmed','reverted')),
  confirmations INTEGER NOT NULL DEFAULT 0,
  -- Outbox for settlement: every status change bumps version; settlement records what it applied.
  version INTEGER NOT NULL DEFAULT 1,
  settled_version INTEGER NOT NULL DEFAULT 0,
  -- The status settlement last applied: payment_detected / payment_reverted fire on its changes.
  settled_status TEXT CHECK (settled_status IN ('detected','confirmed','reverted')),
  detected_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (chain_id, block_hash, log_index)
) STRICT;
CREATE INDEX transfers_invoice ON transfers (invoice_id, block_number, log_index);
CREATE INDEX transfers_unsettled ON transfers (id) WHERE settled_version < version;
CREATE INDEX transfers_open ON transfers (chain_id, block_number) WHERE status = 'detected';

CREATE TABLE events (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  invoice_id TEXT NOT NULL REFERENCES invoices(id),
  type TEXT NOT NULL,
  payload TEXT NOT NULL,                   -- the exact JSON body sent to endpoints
  created_at TEXT NOT NULL,
  -- Deliveries are fanned out from events outbox-style: NULL until the rows exist.
  fanned_out_at TEXT
) STRICT;
CREATE INDEX events_merchant ON events (merchant_id, id DESC);
CREATE INDEX events_invoice ON events (invoice_id, id);
CREATE INDEX events_unfanned ON events (id) WHERE fanned_out_at IS NULL;
-- One invoice.paid per invoice, ever: the data model guarantees it, not only the code paths.
CREATE UNIQUE INDEX events_one_paid ON events (invoice_id) WHERE type = 'invoice.paid';
CREATE UNIQUE INDEX events_one_created ON events (invoice_id) WHERE type = 'invoice.created';
CREATE UNIQUE INDEX events_one_terminal ON events (invoice_id) WHERE type IN ('invoice.expired','invoice.canceled');

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  url TEXT NOT NULL,
  events TEXT,                              -- JSON array of event types, NULL = all
  secret TEXT NOT NULL,                     -- sealed (AES-256-GCM, store/secret-box.ts): needed to sign, never served again
  status TEXT NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled','disabled')),
  disabled_reason TEXT,
  created_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE INDEX webhook_endpoints_merchant ON webhook_endpoints (merchant_id, id);

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events(id),
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
  status TEXT NOT NULL CHECK (status IN ('pending','succeeded','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,                     -- when pending: due time of the next attempt
  -- Bumped on each (re)schedule so the job id of each attempt is distinct and deterministic.
  schedule_version INTEGER NOT NULL DEFAULT 0,
  enqueued_version INTEGER NOT NULL DEFAULT -1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries(id),
  attempted_at TEXT NOT NULL,
  response_status INTEGER,
  duration_ms INTEGER NOT NULL,
  error TEXT
) STRICT;
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

CREATE TABLE idempotency_keys (
  merchant_id TEXT NOT NULL REFERENCES merchants(id),
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_flight','done')),
  response_status INTEGER,
  response_body TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (merchant_id, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The watcher's cursor: the last block whose transfers are all recorded.
CREATE TABLE chain_cursors (
  chain_id INTEGER PRIMARY KEY,
  block_number INTEGER NOT NULL,
  block_hash TEXT NOT NULL,
  block_timestamp INTEGER NOT NULL,
  -- The node's head when last polled, and when the cursor last reached it (for /readyz and expiry).
  head_number INTEGER NOT NULL,
  synced_at TEXT,
  -- Invoices up to this rowid were in the watcher's address index for every block up to the cursor;
  -- newer ones get a catch-up scan from their watch_from_block (also after a restart).
  indexed_rowid INTEGER NOT NULL DEFAULT 0,
  -- A reorg deeper than the confirmation depth: an alert surfaced in /readyz, never silent.
  deep_reorg_at TEXT,
  deep_reorg_detail TEXT,
  updated_at TEXT NOT NULL
) STRICT;

-- Recent blocks (not yet final) with their parents, to find the common ancestor after a reorg.
CREATE TABLE chain_blocks (
  chain_id INTEGER NOT NULL,
  number INTEGER NOT NULL,
  hash TEXT NOT NULL,
  parent_hash TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  PRIMARY KEY (chain_id, number)
) STRICT;
`;
