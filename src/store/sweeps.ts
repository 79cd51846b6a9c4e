import type { Address, Hex } from 'viem';
import type { SweepEventType } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import type { TokenRef } from '../domain/invoice.ts';
import { type SweepFlush, type SweepRecord, type SweepStatus, toSweepResource } from '../domain/sweep.ts';
import { cursorSeq } from './cursor-seq.ts';
import { type Db, writeTransaction } from './db.ts';
import { type EventRecord, insertSweepEvent } from './events.ts';

/**
 * Sweep transactions and what they moved (migrations/005-sweeps.ts, 006-unsigned-sweeps.ts).
 * Invariants: an address is in at most one open (`unsigned` or `submitted`) sweep at a time, so
 * nothing is swept twice in parallel and a transaction's Flushed logs can belong to one sweep only;
 * amounts are recorded only from a receipt with the chain's confirmations, once (nothing is counted
 * twice); each state change commits with its `sweep.*` event (an unsigned sweep has none until
 * its transaction is seen).
 */

type SweepRow = {
  id: string;
  merchant_id: string;
  chain_id: number;
  payout: Address;
  status: SweepStatus;
  from_address: Address | null;
  nonce: number | null;
  gas_limit: string | null;
  max_fee_per_gas: string | null;
  max_priority_fee_per_gas: string | null;
  tx_hash: Hex | null;
  tx_hashes: string;
  raw_tx: Hex | null;
  tokens: string;
  block_number: number | null;
  gas_used: string | null;
  effective_gas_price: string | null;
  failure_reason: string | null;
  submitted_at: string;
  updated_at: string;
  confirmed_at: string | null;
  calldata: Hex | null;
  from_block: number | null;
  expires_at: string | null;
  planned: string | null;
};

/** A sweep with what the executor needs to follow its transaction. */
export type OpenSweep = SweepRecord & {
  txHashes: Hex[];
  rawTx: Hex | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  /** The last broadcast (or state change): a transaction pending longer than allowed gets a fee bump. */
  updatedAt: Date;
  /** Unsigned: the head when planned; its Flushed logs are looked for from there on. */
  fromBlock: number | null;
};

export type TokenLookup = (address: Address) => TokenRef;

const big = (value: string | null) => (value === null ? null : BigInt(value));

function toSweep(db: Db, row: SweepRow): OpenSweep {
  const addresses = db
    .prepare('SELECT deposit_address FROM sweep_addresses WHERE sweep_id = ? ORDER BY deposit_address')
    .pluck()
    .all(row.id) as Address[];
  const flushes = (
    db
      .prepare(
        'SELECT deposit_address, token_address, amount FROM sweep_flushes WHERE sweep_id = ? ORDER BY log_index',
      )
      .all(row.id) as { deposit_address: Address; token_address: Address; amount: string }[]
  ).map((f) => ({ depositAddress: f.deposit_address, token: f.token_address, amount: BigInt(f.amount) }));
  return {
    id: row.id,
    merchantId: row.merchant_id,
    chainId: row.chain_id,
    payout: row.payout,
    status: row.status,
    from: row.from_address,
    nonce: row.nonce,
    txHash: row.tx_hash,
    tokens: JSON.parse(row.tokens) as Address[],
    depositAddresses: addresses,
    flushes,
    planned: new Map(
      (JSON.parse(row.planned ?? '[]') as [Address, string][]).map(([token, amount]) => [
        token,
        BigInt(amount),
      ]),
    ),
    calldata: row.calldata,
    gasLimit: big(row.gas_limit),
    blockNumber: row.block_number,
    gasUsed: big(row.gas_used),
    effectiveGasPrice: big(row.effective_gas_price),
    failureReason: row.failure_reason,
    createdAt: new Date(row.submitted_at),
    confirmedAt: row.confirmed_at === null ? null : new Date(row.confirmed_at),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    txHashes: JSON.parse(row.tx_hashes) as Hex[],
    rawTx: row.raw_tx,
    maxFeePerGas: big(row.max_fee_per_gas),
    maxPriorityFeePerGas: big(row.max_priority_fee_per_gas),
    updatedAt: new Date(row.updated_at),
    fromBlock: row.from_block,
  };
}

function loadSweep(db: Db, id: string): OpenSweep | null {
  const row = db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
  return row ? toSweep(db, row) : null;
}

function emit(
  db: Db,
  sweep: SweepRecord,
  type: SweepEventType,
  tokenOf: TokenLookup,
  now: Date,
): EventRecord {
  return insertSweepEvent(db, {
    merchantId: sweep.merchantId,
    type,
    sweep: toSweepResource(sweep, tokenOf),
    now,
  });
}

export type NewSweep = {
  merchantId: string;
  chainId: number;
  payout: Address;
  tokens: Address[];
  addresses: { depositAddress: Address; salt: Hex }[];
  /** Per token, the balances the plan read. */
  planned: ReadonlyMap<Address, bigint>;
  /** The signed transaction; absent when the sweep failed before one could be sent. */
  transaction?: {
    from: Address;
    nonce: number;
    gasLimit: bigint;
    maxFeePerGas: bigint;
    maxPriorityFeePerGas: bigint;
    hash: Hex;
    raw: Hex;
  };
  /** Set for a sweep that failed before it was sent (e.g. the gas wallet has no ETH). */
  failureReason?: string;
  /** Set for a sweep the merchant sends from its own wallet (no gas wallet). */
  unsigned?: { calldata: Hex; gas: bigint; fromBlock: number; expiresAt: Date };
};

export class AddressAlreadySweepingError extends Error {
  readonly address: Address;
  constructor(address: Address) {
    super(`deposit address ${address} is in a sweep that is still in flight`);
    this.address = address;
  }
}

/**
 * Records a sweep before its transaction is broadcast (a crash after this rebroadcasts the stored
 * raw transaction; a crash before it sent nothing), with `sweep.submitted` — or, with a
 * `failureReason`, a sweep that could not be sent, with `sweep.failed` — or, `unsigned`, a sweep
 * for the merchant's own wallet, with no event until its transaction is seen (markSweepSent).
 */
export function recordSweep(
  db: Db,
  input: NewSweep,
  options: { now: Date; tokenOf: TokenLookup },
): OpenSweep {
  const { now } = options;
  const id = newId('swp', now.getTime());
  const tx = input.transaction;
  const status: SweepStatus =
    input.failureReason !== undefined ? 'failed' : input.unsigned ? 'unsigned' : 'submitted';
  const unsigned = input.unsigned;
  return writeTransaction(db, () => {
    const inFlight = db.prepare(
      `SELECT 1 FROM sweep_addresses a JOIN sweeps s ON s.id = a.sweep_id
       WHERE a.deposit_address = ? AND s.chain_id = ? AND s.status IN ('unsigned','submitted')`,
    );
    if (status !== 'failed') {
      for (const { depositAddress } of input.addresses) {
        if (inFlight.get(depositAddress, input.chainId))
          throw new AddressAlreadySweepingError(depositAddress);
      }
    }
    db.prepare(
      `INSERT INTO sweeps (id, merchant_id, chain_id, payout, status, from_address, nonce, gas_limit,
         max_fee_per_gas, max_priority_fee_per_gas, tx_hash, tx_hashes, raw_tx, tokens, failure_reason,
         submitted_at, updated_at, calldata, from_block, expires_at, planned, seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM sweeps))`,
    ).run(
      id,
      input.merchantId,
      input.chainId,
      input.payout,
      status,
      tx?.from ?? null,
      tx?.nonce ?? null,
      (tx?.gasLimit ?? unsigned?.gas)?.toString() ?? null,
      tx?.maxFeePerGas.toString() ?? null,
      tx?.maxPriorityFeePerGas.toString() ?? null,
      tx?.hash ?? null,
      JSON.stringify(tx ? [tx.hash] : []),
      tx?.raw ?? null,
      JSON.stringify(input.tokens),
      input.failureReason ?? null,
      now.toISOString(),
      now.toISOString(),
      unsigned?.calldata ?? null,
      unsigned?.fromBlock ?? null,
      unsigned?.expiresAt.toISOString() ?? null,
      JSON.stringify([...input.planned].map(([token, amount]) => [token, amount.toString()])),
    );
    const insertAddress = db.prepare(
      'INSERT INTO sweep_addresses (sweep_id, deposit_address, salt) VALUES (?, ?, ?)',
    );
    for (const { depositAddress, salt } of input.addresses) insertAddress.run(id, depositAddress, salt);
    const sweep = loadSweep(db, id) as OpenSweep;
    if (status !== 'unsigned')
      emit(db, sweep, status === 'submitted' ? 'sweep.submitted' : 'sweep.failed', options.tokenOf, now);
    return sweep;
  });
}

/**
 * An unsigned sweep's transaction was seen (its Flushed logs, or the merchant reported its hash):
 * from now on it is followed like any submitted sweep, with `sweep.submitted`. Null when the sweep
 * is no longer unsigned (seen before, expired, or settled).
 */
export function markSweepSent(
  db: Db,
  id: string,
  tx: { hash: Hex; from: Address; nonce: number },
  options: { now: Date; tokenOf: TokenLookup },
): OpenSweep | null {
  return writeTransaction(db, () => {
    const before = loadSweep(db, id);
    if (before?.status !== 'unsigned') return null;
    db.prepare(
      `UPDATE sweeps SET status = 'submitted', tx_hash = ?, tx_hashes = ?, from_address = ?, nonce = ?,
         updated_at = ? WHERE id = ?`,
    ).run(tx.hash, JSON.stringify([tx.hash]), tx.from, tx.nonce, options.now.toISOString(), id);
    const sweep = loadSweep(db, id) as OpenSweep;
    emit(db, sweep, 'sweep.submitted', options.tokenOf, options.now);
    return sweep;
  });
}

/** A fee bump (or a rebroadcast): the same nonce, a new signed transaction. No event. */
export function replaceSweepTransaction(
  db: Db,
  id: string,
  tx: { hash: Hex; raw: Hex; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  now: Date,
): void {
  writeTransaction(db, () => {
    const sweep = loadSweep(db, id);
    if (sweep?.status !== 'submitted') return;
    const hashes = sweep.txHashes.includes(tx.hash) ? sweep.txHashes : [...sweep.txHashes, tx.hash];
    db.prepare(
      `UPDATE sweeps SET tx_hash = ?, tx_hashes = ?, raw_tx = ?, max_fee_per_gas = ?, max_priority_fee_per_gas = ?,
         updated_at = ? WHERE id = ?`,
    ).run(
      tx.hash,
      JSON.stringify(hashes),
      tx.raw,
      tx.maxFeePerGas.toString(),
      tx.maxPriorityFeePerGas.toString(),
      now.toISOString(),
      id,
    );
  });
}

/**
 * The sweep's receipt has the chain's confirmations: its Flushed logs are what moved. Applied once:
 * a sweep that is no longer `submitted` is left as it is (null).
 */
export function confirmSweep(
  db: Db,
  id: string,
  receipt: {
    txHash: Hex;
    blockNumber: number;
    blockHash: Hex;
    gasUsed: bigint;
    effectiveGasPrice: bigint;
    flushes: (SweepFlush & { logIndex: number })[];
  },
  options: { now: Date; tokenOf: TokenLookup },
): OpenSweep | null {
  return writeTransaction(db, () => {
    const before = loadSweep(db, id);
    if (before?.status !== 'submitted') return null;
    db.prepare(
      `UPDATE sweeps SET status = 'confirmed', tx_hash = ?, block_number = ?, block_hash = ?, gas_used = ?,
         effective_gas_price = ?, confirmed_at = ?, updated_at = ? WHERE id = ?`,
    ).run(
      receipt.txHash,
      receipt.blockNumber,
      receipt.blockHash,
      receipt.gasUsed.toString(),
      receipt.effectiveGasPrice.toString(),
      options.now.toISOString(),
      options.now.toISOString(),
      id,
    );
    const insert = db.prepare(
      'INSERT INTO sweep_flushes (sweep_id, deposit_address, token_address, amount, log_index) VALUES (?, ?, ?, ?, ?)',
    );
    for (const f of receipt.flushes)
      insert.run(id, f.depositAddress, f.token, f.amount.toString(), f.logIndex);
    const sweep = loadSweep(db, id) as OpenSweep;
    emit(db, sweep, 'sweep.confirmed', options.tokenOf, options.now);
    return sweep;
  });
}

/** The sweep will never be mined (or, unsigned, was never sent); its addresses are free again. */
export function failSweep(
  db: Db,
  id: string,
  reason: string,
  options: { now: Date; tokenOf: TokenLookup },
): OpenSweep | null {
  return writeTransaction(db, () => {
    const before = loadSweep(db, id);
    if (before?.status !== 'submitted' && before?.status !== 'unsigned') return null;
    db.prepare(`UPDATE sweeps SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ?`).run(
      reason,
      options.now.toISOString(),
      id,
    );
    const sweep = loadSweep(db, id) as OpenSweep;
    emit(db, sweep, 'sweep.failed', options.tokenOf, options.now);
    return sweep;
  });
}

/** Open (unsigned or submitted) sweeps of a chain, oldest first: each is followed until settled. */
export function listOpenSweeps(
  db: Db,
  chainId: number,
  filter: {
    status?: 'unsigned' | 'submitted';
    merchantId?: string | undefined;
    /** false: only sweeps the gateway did not sign (unsigned, or sent by the merchant's wallet). */
    signedHere?: boolean;
  } = {},
): OpenSweep[] {
  const rows = db
    .prepare(
      `SELECT * FROM sweeps WHERE chain_id = @chainId AND status IN ('unsigned','submitted')
         AND (@status IS NULL OR status = @status) AND (@merchantId IS NULL OR merchant_id = @merchantId)
         AND (@signedHere IS NULL OR (raw_tx IS NOT NULL) = @signedHere)
       ORDER BY seq`,
    )
    .all({
      chainId,
      status: filter.status ?? null,
      merchantId: filter.merchantId ?? null,
      signedHere: filter.signedHere === undefined ? null : Number(filter.signedHere),
    }) as SweepRow[];
  return rows.map((row) => toSweep(db, row));
}

export function getSweep(db: Db, merchantId: string, id: string): OpenSweep | null {
  const sweep = loadSweep(db, id);
  return sweep && sweep.merchantId === merchantId ? sweep : null;
}

export function listSweeps(db: Db, filter: { merchantId?: string; chainId?: number }): OpenSweep[] {
  const rows = db
    .prepare(
      `SELECT * FROM sweeps WHERE (@merchantId IS NULL OR merchant_id = @merchantId) AND (@chainId IS NULL OR chain_id = @chainId) ORDER BY seq`,
    )
    .all({ merchantId: filter.merchantId ?? null, chainId: filter.chainId ?? null }) as SweepRow[];
  return rows.map((row) => toSweep(db, row));
}

/** A merchant's sweeps, newest first by `seq`, cursor after `startingAfter` (like the invoice list). */
export function listMerchantSweeps(
  db: Db,
  merchantId: string,
  filter: {
    chainId?: number | undefined;
    status?: SweepStatus | undefined;
    limit: number;
    startingAfter?: string | undefined;
  },
): { data: OpenSweep[]; hasMore: boolean } {
  const before = filter.startingAfter ? cursorSeq(db, 'sweeps', merchantId, filter.startingAfter) : null;
  const rows = db
    .prepare(
      `SELECT * FROM sweeps WHERE merchant_id = @merchantId AND (@chainId IS NULL OR chain_id = @chainId)
         AND (@status IS NULL OR status = @status) AND (@before IS NULL OR seq < @before)
       ORDER BY seq DESC LIMIT @limit`,
    )
    .all({
      merchantId,
      chainId: filter.chainId ?? null,
      status: filter.status ?? null,
      before,
      limit: filter.limit + 1,
    }) as SweepRow[];
  return {
    data: rows.slice(0, filter.limit).map((row) => toSweep(db, row)),
    hasMore: rows.length > filter.limit,
  };
}
