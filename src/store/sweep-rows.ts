import type { Address, Hex } from 'viem';
import { NotFoundError } from '../domain/errors.ts';
import type { TokenRef } from '../domain/invoice.ts';
import type { SweepRecord, SweepStatus } from '../domain/sweep.ts';
import { forUpdate, pluck, query, type Sql } from './sql.ts';

/**
 * Sweep transactions and what they moved (migrations/005-sweeps.ts, 006-unsigned-sweeps.ts).
 * Invariants: an address is in at most one open (`unsigned` or `submitted`) sweep at a time, so
 * nothing is swept twice in parallel and a transaction's Flushed logs can belong to one sweep only;
 * amounts are recorded only from a receipt with the chain's confirmations, once (nothing is counted
 * twice); each state change commits with its `sweep.*` event (an unsigned sweep has none until
 * its transaction is seen). sweep-writes.ts keeps them; sweep-reads.ts lists.
 */

/** A row of `sweeps`, as `SELECT *` gives it. */
export type SweepRow = {
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

type FlushRow = { deposit_address: Address; token_address: Address; amount: string };

/** The sweep of `row`, with its deposit addresses and (once confirmed) what each moved. */
export function* toSweep(row: SweepRow): Sql<OpenSweep> {
  const addresses = yield* pluck<Address>(
    'SELECT deposit_address FROM sweep_addresses WHERE sweep_id = ? ORDER BY deposit_address',
  ).all(row.id);
  const flushRows = yield* query<FlushRow>(
    'SELECT deposit_address, token_address, amount FROM sweep_flushes WHERE sweep_id = ? ORDER BY log_index',
  ).all(row.id);
  const flushes = flushRows.map((f) => ({
    depositAddress: f.deposit_address,
    token: f.token_address,
    amount: BigInt(f.amount),
  }));
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

/** A sweep by id; with `forUpdate`, a writer that changes it locks its row first (PostgreSQL). */
export function* loadSweep(id: string, options: { forUpdate?: boolean } = {}): Sql<OpenSweep | null> {
  const select = 'SELECT * FROM sweeps WHERE id = ?';
  const row = yield* query<SweepRow>(options.forUpdate ? forUpdate(select) : select).get(id);
  return row ? yield* toSweep(row) : null;
}

/** A sweep the current transaction has just written, read back. */
export function* loadWrittenSweep(id: string): Sql<OpenSweep> {
  const sweep = yield* loadSweep(id);
  // Unreachable while the transaction that wrote it is open; a type-safe stand-in for a cast.
  if (!sweep) throw new NotFoundError('sweep_not_found', `No sweep ${id}.`);
  return sweep;
}
