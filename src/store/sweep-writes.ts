import type { Address, Hex } from 'viem';
import { BaseError } from '../domain/errors.ts';
import type { SweepEventType } from '../domain/events.ts';
import { newId } from '../domain/ids.ts';
import { type SweepFlush, type SweepRecord, type SweepStatus, toSweepResource } from '../domain/sweep.ts';
import { type EventRecord, insertSweepEvent } from './events.ts';
import { lockMerchant } from './merchants.ts';
import { nextSeq } from './next-seq.ts';
import { query, type Sql } from './sql.ts';
import { loadSweep, loadWrittenSweep, type OpenSweep, type TokenLookup } from './sweep-rows.ts';

/** A sweep's state changes, each with its `sweep.*` event (sweep-rows.ts states the invariants). */

function* emit(sweep: SweepRecord, type: SweepEventType, tokenOf: TokenLookup, now: Date): Sql<EventRecord> {
  return yield* insertSweepEvent({
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

/** The sweep would take an address that is in an open sweep (sweep-rows.ts states the invariant). */
export class AddressAlreadySweepingError extends BaseError {
  readonly address: Address;
  constructor(address: Address) {
    super('address_already_sweeping', `deposit address ${address} is in a sweep that is still in flight`);
    this.address = address;
  }
}

/**
 * Records a sweep before its transaction is broadcast (a crash after this rebroadcasts the stored
 * raw transaction; a crash before it sent nothing), with `sweep.submitted` — or, with a
 * `failureReason`, a sweep that could not be sent, with `sweep.failed` — or, `unsigned`, a sweep
 * for the merchant's own wallet, with no event until its transaction is seen (markSweepSent).
 */
export function* recordSweep(input: NewSweep, options: { now: Date; tokenOf: TokenLookup }): Sql<OpenSweep> {
  const { now } = options;
  const id = newId('swp', now.getTime());
  const tx = input.transaction;
  const status: SweepStatus =
    input.failureReason !== undefined ? 'failed' : input.unsigned ? 'unsigned' : 'submitted';
  const unsigned = input.unsigned;
  // Two sweeps of one merchant are planned one at a time (PostgreSQL), so an address checked
  // free here is not joining another sweep being recorded meanwhile.
  yield* lockMerchant(input.merchantId);
  if (status !== 'failed') {
    for (const { depositAddress } of input.addresses) {
      const inFlight = yield* query(
        `SELECT 1 FROM sweep_addresses a JOIN sweeps s ON s.id = a.sweep_id
         WHERE a.deposit_address = ? AND s.chain_id = ? AND s.status IN ('unsigned','submitted')`,
      ).get(depositAddress, input.chainId);
      if (inFlight) throw new AddressAlreadySweepingError(depositAddress);
    }
  }
  const seq = yield* nextSeq('sweeps');
  yield* query(`INSERT INTO sweeps (id, merchant_id, chain_id, payout, status, from_address, nonce, gas_limit,
       max_fee_per_gas, max_priority_fee_per_gas, tx_hash, tx_hashes, raw_tx, tokens, failure_reason,
       submitted_at, updated_at, calldata, from_block, expires_at, planned, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
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
    seq,
  );
  for (const { depositAddress, salt } of input.addresses) {
    yield* query('INSERT INTO sweep_addresses (sweep_id, deposit_address, salt) VALUES (?, ?, ?)').run(
      id,
      depositAddress,
      salt,
    );
  }
  const sweep = yield* loadWrittenSweep(id);
  if (status !== 'unsigned')
    yield* emit(sweep, status === 'submitted' ? 'sweep.submitted' : 'sweep.failed', options.tokenOf, now);
  return sweep;
}

/**
 * An unsigned sweep's transaction was seen (its Flushed logs, or the merchant reported its hash):
 * from now on it is followed like any submitted sweep, with `sweep.submitted`. Null when the sweep
 * is no longer unsigned (seen before, expired, or settled).
 */
export function* markSweepSent(
  id: string,
  tx: { hash: Hex; from: Address; nonce: number },
  options: { now: Date; tokenOf: TokenLookup },
): Sql<OpenSweep | null> {
  const before = yield* loadSweep(id, { forUpdate: true });
  if (before?.status !== 'unsigned') return null;
  yield* query(`UPDATE sweeps SET status = 'submitted', tx_hash = ?, tx_hashes = ?, from_address = ?, nonce = ?,
       updated_at = ? WHERE id = ?`).run(
    tx.hash,
    JSON.stringify([tx.hash]),
    tx.from,
    tx.nonce,
    options.now.toISOString(),
    id,
  );
  const sweep = yield* loadWrittenSweep(id);
  yield* emit(sweep, 'sweep.submitted', options.tokenOf, options.now);
  return sweep;
}

/**
 * An unsigned sweep's logs were searched without a hit up to some block: the next search starts
 * at `fromBlock`, never earlier than before. No event.
 */
export function* advanceSweepScan(id: string, fromBlock: number): Sql<void> {
  yield* query(
    `UPDATE sweeps SET from_block = ? WHERE id = ? AND status = 'unsigned' AND coalesce(from_block, 0) < ?`,
  ).run(fromBlock, id, fromBlock);
}

/** A fee bump (or a rebroadcast): the same nonce, a new signed transaction. No event. */
export function* replaceSweepTransaction(
  id: string,
  tx: { hash: Hex; raw: Hex; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  now: Date,
): Sql<void> {
  const sweep = yield* loadSweep(id, { forUpdate: true });
  if (sweep?.status !== 'submitted') return;
  const hashes = sweep.txHashes.includes(tx.hash) ? sweep.txHashes : [...sweep.txHashes, tx.hash];
  yield* query(`UPDATE sweeps SET tx_hash = ?, tx_hashes = ?, raw_tx = ?, max_fee_per_gas = ?, max_priority_fee_per_gas = ?,
       updated_at = ? WHERE id = ?`).run(
    tx.hash,
    JSON.stringify(hashes),
    tx.raw,
    tx.maxFeePerGas.toString(),
    tx.maxPriorityFeePerGas.toString(),
    now.toISOString(),
    id,
  );
}

/**
 * The sweep's receipt has the chain's confirmations: its Flushed logs are what moved. Applied once:
 * a sweep that is no longer `submitted` is left as it is (null).
 */
export function* confirmSweep(
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
): Sql<OpenSweep | null> {
  const before = yield* loadSweep(id, { forUpdate: true });
  if (before?.status !== 'submitted') return null;
  yield* query(`UPDATE sweeps SET status = 'confirmed', tx_hash = ?, block_number = ?, block_hash = ?, gas_used = ?,
       effective_gas_price = ?, confirmed_at = ?, updated_at = ? WHERE id = ?`).run(
    receipt.txHash,
    receipt.blockNumber,
    receipt.blockHash,
    receipt.gasUsed.toString(),
    receipt.effectiveGasPrice.toString(),
    options.now.toISOString(),
    options.now.toISOString(),
    id,
  );
  for (const f of receipt.flushes) {
    yield* query(
      'INSERT INTO sweep_flushes (sweep_id, deposit_address, token_address, amount, log_index) VALUES (?, ?, ?, ?, ?)',
    ).run(id, f.depositAddress, f.token, f.amount.toString(), f.logIndex);
  }
  const sweep = yield* loadWrittenSweep(id);
  yield* emit(sweep, 'sweep.confirmed', options.tokenOf, options.now);
  return sweep;
}

/** The sweep will never be mined (or, unsigned, was never sent); its addresses are free again. */
export function* failSweep(
  id: string,
  reason: string,
  options: { now: Date; tokenOf: TokenLookup },
): Sql<OpenSweep | null> {
  const before = yield* loadSweep(id, { forUpdate: true });
  if (before?.status !== 'submitted' && before?.status !== 'unsigned') return null;
  yield* query(`UPDATE sweeps SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ?`).run(
    reason,
    options.now.toISOString(),
    id,
  );
  const sweep = yield* loadWrittenSweep(id);
  yield* emit(sweep, 'sweep.failed', options.tokenOf, options.now);
  return sweep;
}
