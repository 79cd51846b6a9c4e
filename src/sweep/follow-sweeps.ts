import {
  getAbiItem,
  getAddress,
  type Hex,
  type LocalAccount,
  type PublicClient,
  parseEventLogs,
  parseTransaction,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from 'viem';
import { forwarderAbi } from '../../contracts-abi/index.ts';
import type { ChainConfig } from '../config/chains.ts';
import { type SweepFlush, tokenLookup } from '../domain/sweep.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import { listOpenSweeps } from '../store/sweep-reads.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import {
  advanceSweepScan,
  confirmSweep,
  failSweep,
  markSweepSent,
  replaceSweepTransaction,
} from '../store/sweep-writes.ts';
import { isInsufficientFunds, signSweep } from './submit-sweep.ts';

/** A transaction still pending after this gets a fee bump. */
export const DEFAULT_STUCK_AFTER_MS = 60_000;

export type FollowDeps = {
  store: Store;
  client: PublicClient;
  chain: ChainConfig;
  /** Absent: sweeps are followed and rebroadcast, never re-signed. */
  wallet: LocalAccount | undefined;
  logger: Logger;
  now: () => Date;
  stuckAfterMs?: number;
};

export type FollowOutcome = 'confirmed' | 'failed' | 'mined' | 'pending' | 'rebroadcast' | 'unsigned';

/** A replacement must raise both fees by at least 10 % (geth's txpool price bump); we raise 25 %. */
const bump = (fee: bigint) => (fee * 5n + 3n) / 4n;

async function findReceipt(client: PublicClient, hashes: readonly Hex[]): Promise<TransactionReceipt | null> {
  for (const hash of [...hashes].reverse()) {
    try {
      return await client.getTransactionReceipt({ hash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
  }
  return null;
}

/** The receipt's Flushed logs of this sweep's own forwarders to its payout: what really moved. */
export function flushesOf(
  receipt: TransactionReceipt,
  sweep: OpenSweep,
): (SweepFlush & { logIndex: number })[] {
  const ours = new Set(sweep.depositAddresses.map((a) => a.toLowerCase()));
  return parseEventLogs({ abi: forwarderAbi, eventName: 'Flushed', logs: receipt.logs })
    .filter((log) => ours.has(log.address.toLowerCase()) && log.args.payout === sweep.payout)
    .map((log) => ({
      depositAddress:
        sweep.depositAddresses.find((a) => a.toLowerCase() === log.address.toLowerCase()) ?? log.address,
      token: log.args.token,
      amount: log.args.amount,
      logIndex: log.logIndex,
    }));
}

/**
 * A receipt is confirmed by the chain's rule, as a payment is (chain/finality.ts): N blocks deep
 * counting its own, or at or below the block of the chain's tag. With a tag, its block is read
 * after the tag's, so a receipt whose block a reorg replaced cannot pass because the tag moved
 * past its height: the block at its height must still be its own.
 */
async function isConfirmed(
  client: PublicClient,
  chain: Pick<ChainConfig, 'confirmations'>,
  receipt: TransactionReceipt,
): Promise<boolean> {
  const { confirmations } = chain;
  if (typeof confirmations === 'number')
    return (await client.getBlockNumber()) - receipt.blockNumber + 1n >= BigInt(confirmations);
  const tagged = await client.getBlock({ blockTag: confirmations });
  if (tagged.number < receipt.blockNumber) return false;
  const block = await client.getBlock({ blockNumber: receipt.blockNumber });
  return block.hash === receipt.blockHash;
}

/**
 * One look at one sweep in flight. Its receipt with the chain's confirmations confirms it (amounts
 * from its logs, once). No receipt and its nonce taken by another transaction: failed. No receipt
 * and not in the mempool (dropped, or its block reorged away), or pending past `stuckAfterMs`:
 * re-signed with the same nonce and bumped fees, so at most one of its versions is ever mined.
 */
export async function followSweep(deps: FollowDeps, sweep: OpenSweep): Promise<FollowOutcome> {
  const { client, chain } = deps;
  const options = { now: deps.now(), tokenOf: tokenLookup(chain) };
  if (sweep.status === 'unsigned') return followUnsigned(deps, sweep);
  const receipt = await findReceipt(client, sweep.txHashes);
  if (receipt) {
    if (!(await isConfirmed(client, chain, receipt))) return 'mined';
    if (receipt.status !== 'success') {
      await deps.store.write(failSweep, sweep.id, `transaction ${receipt.transactionHash} reverted`, options);
      return 'failed';
    }
    await deps.store.write(
      confirmSweep,
      sweep.id,
      {
        txHash: receipt.transactionHash,
        blockNumber: Number(receipt.blockNumber),
        blockHash: receipt.blockHash,
        gasUsed: receipt.gasUsed,
        effectiveGasPrice: receipt.effectiveGasPrice,
        flushes: flushesOf(receipt, sweep),
      },
      options,
    );
    return 'confirmed';
  }
  if (sweep.from === null || sweep.nonce === null) return 'pending';
  const used = await client.getTransactionCount({ address: sweep.from, blockTag: 'latest' });
  if (used > sweep.nonce) {
    // Mined between the two reads? Then the next look confirms it.
    if (await findReceipt(client, sweep.txHashes)) return 'mined';
    await deps.store.write(
      failSweep,
      sweep.id,
      `nonce ${sweep.nonce} was used by another transaction of ${sweep.from}`,
      options,
    );
    return 'failed';
  }
  // Only "not found" means gone: any other RPC failure throws, and the next look tries again.
  const inPool = sweep.txHash
    ? await client.getTransaction({ hash: sweep.txHash }).catch((error: unknown) => {
        if (error instanceof TransactionNotFoundError) return null;
        throw error;
      })
    : null;
  const age = options.now.getTime() - sweep.updatedAt.getTime();
  if (inPool && age < (deps.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS)) return 'pending';
  return resend(deps, sweep);
}

const flushed = getAbiItem({ abi: forwarderAbi, name: 'Flushed' });

/**
 * Blocks below the head that an unsigned sweep's search always covers again: a transaction a
 * reorg moves to another block at most this deep is still found. The search window stays this
 * size plus the blocks since the last look, whatever the chain's speed or its provider's limit on
 * `eth_getLogs` ranges.
 */
export const UNSIGNED_SCAN_OVERLAP_BLOCKS = 64n;

/**
 * The first transaction since the sweep was planned in which its forwarders flushed to its payout:
 * the merchant sent it (or anyone did; the money could only go to the payout either way). With
 * none, the next search starts `UNSIGNED_SCAN_OVERLAP_BLOCKS` below the head searched.
 */
async function findFlushTransaction(deps: FollowDeps, sweep: OpenSweep): Promise<Hex | null> {
  const head = await deps.client.getBlockNumber();
  const fromBlock = BigInt(sweep.fromBlock ?? 0);
  const logs = await deps.client.getLogs({
    address: sweep.depositAddresses,
    event: flushed,
    args: { payout: sweep.payout },
    fromBlock: fromBlock < head ? fromBlock : head,
    toBlock: head,
  });
  const hash = logs[0]?.transactionHash ?? null;
  if (!hash && head - UNSIGNED_SCAN_OVERLAP_BLOCKS > fromBlock)
    await deps.store.write(advanceSweepScan, sweep.id, Number(head - UNSIGNED_SCAN_OVERLAP_BLOCKS));
  return hash;
}

/**
 * An unsigned sweep waits for the merchant's wallet: once its Flushed logs appear it is marked
 * sent (from then on followed like any other); past `expiresAt` with none it fails, which frees
 * its addresses for the next plan. A transaction mined after that is not lost: the next sweep of
 * those addresses finds its logs from its own planning block on.
 */
async function followUnsigned(deps: FollowDeps, sweep: OpenSweep): Promise<FollowOutcome> {
  const options = { now: deps.now(), tokenOf: tokenLookup(deps.chain) };
  const hash = await findFlushTransaction(deps, sweep);
  if (hash) {
    const tx = await deps.client.getTransaction({ hash });
    await deps.store.write(
      markSweepSent,
      sweep.id,
      { hash, from: getAddress(tx.from), nonce: tx.nonce },
      options,
    );
    return 'pending';
  }
  if (sweep.expiresAt && options.now >= sweep.expiresAt) {
    await deps.store.write(
      failSweep,
      sweep.id,
      `no transaction was seen before ${sweep.expiresAt.toISOString()}`,
      options,
    );
    return 'failed';
  }
  return 'unsigned';
}

async function resend(deps: FollowDeps, sweep: OpenSweep): Promise<FollowOutcome> {
  const { client, wallet } = deps;
  const tokenOf = tokenLookup(deps.chain);
  if (!wallet || wallet.address !== sweep.from || sweep.nonce === null || sweep.gasLimit === null) {
    if (sweep.rawTx)
      await client.sendRawTransaction({ serializedTransaction: sweep.rawTx }).catch(() => undefined);
    return 'rebroadcast';
  }
  const current = await client.estimateFeesPerGas();
  const maxPriorityFeePerGas = max(bump(sweep.maxPriorityFeePerGas ?? 0n), current.maxPriorityFeePerGas);
  const maxFeePerGas = max(bump(sweep.maxFeePerGas ?? 0n), current.maxFeePerGas, maxPriorityFeePerGas);
  const data = sweep.rawTx ? parseTransaction(sweep.rawTx).data : undefined;
  if (!data) throw new Error(`sweep ${sweep.id} has no stored transaction to re-sign`);
  const signed = await signSweep(
    { wallet, chain: deps.chain },
    { data, nonce: sweep.nonce, gas: sweep.gasLimit, maxFeePerGas, maxPriorityFeePerGas },
  );
  await deps.store.write(
    replaceSweepTransaction,
    sweep.id,
    { ...signed, maxFeePerGas, maxPriorityFeePerGas },
    deps.now(),
  );
  try {
    await client.sendRawTransaction({ serializedTransaction: signed.raw });
  } catch (error) {
    if (isInsufficientFunds(error)) {
      await deps.store.write(failSweep, sweep.id, `gas wallet ${wallet.address} cannot pay the bumped fee`, {
        now: deps.now(),
        tokenOf,
      });
      return 'failed';
    }
    deps.logger.warn({ err: error, sweepId: sweep.id }, 'sweep rebroadcast failed; will retry');
  }
  deps.logger.info(
    { sweepId: sweep.id, txHash: signed.hash, maxFeePerGas },
    'sweep resent with a bumped fee',
  );
  return 'rebroadcast';
}

/** Math.max for bigints. */
// biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigints.
const max = (...values: bigint[]) => values.reduce((a, b) => (b > a ? b : a));

/** Follows every sweep of the chain in flight (or of one merchant), oldest first. */
export async function followSweeps(
  deps: FollowDeps,
  filter: { merchantId?: string | undefined; signedHere?: boolean } = {},
): Promise<Record<FollowOutcome, number>> {
  const counts: Record<FollowOutcome, number> = {
    confirmed: 0,
    failed: 0,
    mined: 0,
    pending: 0,
    rebroadcast: 0,
    unsigned: 0,
  };
  for (const sweep of await deps.store.read(listOpenSweeps, deps.chain.chainId, filter))
    counts[await followSweep(deps, sweep)] += 1;
  return counts;
}
