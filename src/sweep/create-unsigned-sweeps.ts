import type { PublicClient } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import { ChainUnavailableError } from '../domain/errors.ts';
import { tokenLookup } from '../domain/sweep.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import { listOpenSweeps } from '../store/sweep-reads.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import { AddressAlreadySweepingError, recordSweep } from '../store/sweep-writes.ts';
import { followSweeps } from './follow-sweeps.ts';
import { newSweepOf, planChainSweeps, type SweepPlanRequest, sweepCalldata } from './plan-chain-sweeps.ts';

/** How long an unsigned sweep holds its addresses for the merchant's wallet. */
export const UNSIGNED_SWEEP_TTL_MS = 60 * 60_000;

export type UnsignedSweepDeps = {
  store: Store;
  client: PublicClient;
  chain: ChainConfig;
  logger: Logger;
  now: () => Date;
};

/**
 * The sweeps a merchant (or an operator without a gas wallet) sends from its own wallet: every
 * open unsigned sweep of the chain, after planning and recording new ones for what is due. Each
 * is recorded before it is shown, so the transaction that the wallet sends is recognised by its
 * Flushed logs (follow-sweeps.ts) and counted like any other sweep, once.
 */
export async function createUnsignedSweeps(
  deps: UnsignedSweepDeps,
  request: SweepPlanRequest,
): Promise<OpenSweep[]> {
  const { store, client, chain } = deps;
  // Settle what is in flight first: a sent or expired unsigned sweep frees its addresses.
  await followSweeps({ ...deps, wallet: undefined }, { merchantId: request.merchantId, signedHere: false });
  const batches = await planChainSweeps({
    store,
    client,
    chain,
    request,
    ...(chain.sweep ? { maxBlockGasPercent: chain.sweep.maxBlockGasPercent } : {}),
  });
  if (batches.length > 0) {
    const head = await client.getBlockNumber().catch((error: unknown) => {
      throw new ChainUnavailableError(chain.chainId, error);
    });
    const now = deps.now();
    const options = { now, tokenOf: tokenLookup(chain) };
    for (const batch of batches) {
      const unsigned = {
        calldata: sweepCalldata(batch),
        gas: batch.gasEstimate,
        fromBlock: Number(head),
        expiresAt: new Date(now.getTime() + UNSIGNED_SWEEP_TTL_MS),
      };
      try {
        await store.write(recordSweep, { ...newSweepOf(batch, chain.chainId), unsigned }, options);
      } catch (error) {
        // A concurrent request planned the same addresses first: its sweep is listed below.
        if (!(error instanceof AddressAlreadySweepingError)) throw error;
      }
    }
  }
  return store.read(listOpenSweeps, chain.chainId, { status: 'unsigned', merchantId: request.merchantId });
}
