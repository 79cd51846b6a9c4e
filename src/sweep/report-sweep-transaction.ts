import { getAddress, type Hex, type PublicClient, TransactionNotFoundError } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import { ChainUnavailableError, ReportedTransactionError, SweepNotUnsignedError } from '../domain/errors.ts';
import { FORWARDER_FACTORY_ADDRESS } from '../domain/forwarder-address.ts';
import { tokenLookup } from '../domain/sweep.ts';
import type { Store } from '../store/store.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import { markSweepSent } from '../store/sweep-writes.ts';

/**
 * The merchant's wallet sent an unsigned sweep and says which transaction it was (sooner than its
 * Flushed logs would tell, and before it is mined). It must call the factory with exactly the
 * sweep's calldata; from then on the sweep is followed like any other. Reporting the same hash
 * again answers the sweep as it is.
 */
export async function reportSweepTransaction(
  deps: { store: Store; client: PublicClient; chain: ChainConfig; now: () => Date },
  sweep: OpenSweep,
  hash: Hex,
): Promise<OpenSweep> {
  const same = (a: string, b: string | null) => a.toLowerCase() === b?.toLowerCase();
  if (sweep.status !== 'unsigned') {
    if (sweep.txHashes.some((known) => same(hash, known))) return sweep;
    throw new SweepNotUnsignedError(sweep.status);
  }
  const tx = await deps.client.getTransaction({ hash }).catch((error: unknown) => {
    if (error instanceof TransactionNotFoundError)
      throw new ReportedTransactionError(
        'transaction_not_found',
        `The node does not know transaction ${hash}.`,
      );
    throw new ChainUnavailableError(deps.chain.chainId, error);
  });
  if (!tx.to || !same(tx.to, FORWARDER_FACTORY_ADDRESS) || !same(tx.input, sweep.calldata))
    throw new ReportedTransactionError(
      'transaction_mismatch',
      `Transaction ${hash} does not call the ForwarderFactory with this sweep's calldata.`,
    );
  const options = { now: deps.now(), tokenOf: tokenLookup(deps.chain) };
  const sent = await deps.store.write(
    markSweepSent,
    sweep.id,
    { hash: tx.hash, from: getAddress(tx.from), nonce: tx.nonce },
    options,
  );
  // Null: the follower saw its logs in the meantime and marked it first.
  return sent ?? sweep;
}
