import {
  type Address,
  type Hex,
  InsufficientFundsError,
  keccak256,
  type LocalAccount,
  type PublicClient,
} from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import { ChainUnavailableError } from '../domain/errors.ts';
import { FORWARDER_FACTORY_ADDRESS } from '../domain/forwarder-address.ts';
import { tokenLookup } from '../domain/sweep.ts';
import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import { listOpenSweeps } from '../store/sweep-reads.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import { failSweep, recordSweep } from '../store/sweep-writes.ts';
import { newSweepOf, sweepCalldata } from './plan-chain-sweeps.ts';
import type { SweepBatch } from './plan-sweeps.ts';
import { GasWalletUnfundedError } from './sweep-errors.ts';

export type SweepDeps = {
  store: Store;
  client: PublicClient;
  chain: ChainConfig;
  /** The operator's gas wallet: it signs and pays fees, and can send the money nowhere but the payout. */
  wallet: LocalAccount;
  logger: Logger;
  now: () => Date;
};

/** The node's gas estimate plus a fifth: the state can change between estimate and inclusion. */
const GAS_HEADROOM = (gas: bigint) => (gas * 6n) / 5n;

/** Whether a broadcast failed because the sender cannot pay (viem's class, or the node's words). */
export function isInsufficientFunds(error: unknown): boolean {
  if (error instanceof Error && 'walk' in error) {
    const walk = (error as { walk: (fn: (e: unknown) => boolean) => unknown }).walk;
    if (walk.call(error, (e) => e instanceof InsufficientFundsError)) return true;
  }
  return /insufficient funds/i.test(String((error as Error | undefined)?.message ?? error));
}

/** Signs a EIP-1559 transaction to the factory; the hash is keccak256 of the signed bytes. */
export async function signSweep(
  deps: Pick<SweepDeps, 'wallet' | 'chain'>,
  tx: { data: Hex; nonce: number; gas: bigint; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
): Promise<{ raw: Hex; hash: Hex }> {
  const raw = await deps.wallet.signTransaction({
    type: 'eip1559',
    chainId: deps.chain.chainId,
    to: FORWARDER_FACTORY_ADDRESS,
    ...tx,
  });
  return { raw, hash: keccak256(raw) };
}

/** The next nonce: the node's pending count, or past our own sweeps in flight the node lost. */
async function nextNonce(store: Store, chainId: number, from: Address, pending: number): Promise<number> {
  const open = (await store.read(listOpenSweeps, chainId)).filter((s) => s.from === from && s.nonce !== null);
  return Math.max(pending, ...open.map((s) => (s.nonce as number) + 1));
}

/** The gas wallet as the chain sees it: fees now, its next pending nonce, its ETH. */
async function readWallet(deps: SweepDeps) {
  const { client, wallet } = deps;
  try {
    const [fees, pending, balance] = await Promise.all([
      client.estimateFeesPerGas(),
      client.getTransactionCount({ address: wallet.address, blockTag: 'pending' }),
      client.getBalance({ address: wallet.address }),
    ]);
    return { fees, pending, balance };
  } catch (error) {
    throw new ChainUnavailableError(deps.chain.chainId, error);
  }
}

/**
 * Sends one planned sweep from the gas wallet. Recorded before the broadcast (with the signed
 * bytes), so a crash in between is finished by followSweeps; a wallet that cannot pay the fee
 * records a failed sweep and throws GasWalletUnfundedError.
 */
export async function submitSweep(deps: SweepDeps, batch: SweepBatch): Promise<OpenSweep> {
  const { store, client, chain, wallet } = deps;
  const options = { now: deps.now(), tokenOf: tokenLookup(chain) };
  const data = sweepCalldata(batch);
  const from = wallet.address;
  const input = newSweepOf(batch, chain.chainId);
  const { fees, pending, balance } = await readWallet(deps);
  const unfunded = (needed: bigint) =>
    new GasWalletUnfundedError({ address: from, chainId: chain.chainId, balance, needed });
  const worstFee = batch.gasEstimate * fees.maxFeePerGas;
  let gas: bigint | undefined;
  if (balance >= worstFee) {
    try {
      gas = GAS_HEADROOM(await client.estimateGas({ account: from, to: FORWARDER_FACTORY_ADDRESS, data }));
    } catch (error) {
      if (!isInsufficientFunds(error)) throw new ChainUnavailableError(chain.chainId, error);
    }
  }
  if (gas === undefined) {
    const failure = unfunded(worstFee);
    await store.write(recordSweep, { ...input, failureReason: failure.message }, options);
    throw failure;
  }
  const nonce = await nextNonce(store, chain.chainId, from, pending);
  const signed = await signSweep(deps, { data, nonce, gas, ...fees });
  const transaction = { from, nonce, gasLimit: gas, ...fees, hash: signed.hash, raw: signed.raw };
  const sweep = await store.write(recordSweep, { ...input, transaction }, options);
  try {
    await client.sendRawTransaction({ serializedTransaction: signed.raw });
  } catch (error) {
    if (isInsufficientFunds(error)) {
      const failure = unfunded(gas * fees.maxFeePerGas);
      await store.write(failSweep, sweep.id, failure.message, options);
      throw failure;
    }
    // Anything else (a timeout, "already known"): the sweep stays submitted, followSweeps settles it.
    deps.logger.warn(
      { err: error, sweepId: sweep.id, txHash: signed.hash },
      'sweep broadcast failed; will retry',
    );
  }
  deps.logger.info(
    {
      sweepId: sweep.id,
      chainId: chain.chainId,
      txHash: signed.hash,
      nonce,
      addresses: input.addresses.length,
    },
    'sweep submitted',
  );
  return sweep;
}
