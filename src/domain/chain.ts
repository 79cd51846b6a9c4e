import type { Address, Hash } from 'viem';

/** What the watcher knows of the chain: block headers, its cursor, and the transfers it records. */

/**
 * The node's block tags a chain's `confirmations` may name instead of a count: a payment is
 * confirmed once its block is at or below the tag's block and still canonical (docs/architecture.md
 * "Confirmations and finality"). On proof-of-stake Ethereum, `safe` is the justified checkpoint and
 * `finalized` the finalized one; other chains map them to their own notion of finality.
 */
export const FINALITY_TAGS = ['safe', 'finalized'] as const;
export type FinalityTag = (typeof FINALITY_TAGS)[number];

/** A chain's confirmation rule: a count of blocks (the payment's own included), or a block tag. */
export type Confirmations = number | FinalityTag;

/** A block header, as far as following the chain needs: its place, its hash and its parent's. */
export type BlockRef = { number: number; hash: Hash; parentHash: Hash; timestamp: number };

/** The watcher's committed position on one chain (see store/chain-state.ts for how it is kept). */
export type Cursor = {
  number: number;
  hash: Hash;
  timestamp: number;
  headNumber: number;
  syncedAt: Date | null;
  /** Every invoice up to this rowid was in the address index when the cursor's batch was matched. */
  indexedRowId: number;
  deepReorgAt: Date | null;
  deepReorgDetail: string | null;
  /** When the watcher last saw the node's head advance (null before its first write). */
  headAdvancedAt: Date | null;
  /** How long the head may stand still before the chain is stale; null: no alarm (no clock). */
  staleAfterMs: number | null;
};

/** One ERC-20 Transfer that pays an invoice's deposit address, decoded from its log. */
export type TransferToRecord = {
  invoiceId: string;
  tokenAddress: Address;
  txHash: Hash;
  logIndex: number;
  blockNumber: number;
  blockHash: Hash;
  blockTimestamp: number;
  from: Address;
  to: Address;
  amount: bigint;
};
