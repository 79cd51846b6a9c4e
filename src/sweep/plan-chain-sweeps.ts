import { type Address, encodeFunctionData, type Hex, type PublicClient } from 'viem';
import { forwarderFactoryAbi } from '../../contracts-abi/index.ts';
import type { ChainConfig } from '../config/chains.ts';
import { ChainUnavailableError, ValidationError } from '../domain/errors.ts';
import { parseAmount } from '../domain/money.ts';
import type { Store } from '../store/store.ts';
import { listOutstandingAddresses } from '../store/sweep-candidates.ts';
import type { NewSweep } from '../store/sweep-writes.ts';
import { planSweeps, type SweepBatch, type SweepCandidate } from './plan-sweeps.ts';
import { readBalances } from './read-balances.ts';

/** Half a block by default: a sweep never crowds out a block, and the estimate has headroom. */
export const DEFAULT_MAX_BLOCK_GAS_PERCENT = 50;

export type SweepPlanRequest = {
  merchantId?: string | undefined;
  /** Decimal in token units; an address is swept once a token balance reaches it. */
  min?: string | undefined;
};

/** `min` per token in base units; a value a token cannot hold exactly is a validation error. */
export function minimumPerToken(chain: ChainConfig, min: string | undefined): (token: Address) => bigint {
  const byToken = new Map<Address, bigint>();
  for (const token of chain.tokens) {
    if (min === undefined) break;
    const parsed = parseAmount(min, token.decimals);
    if (!parsed.ok)
      throw new ValidationError([{ field: 'min', message: `${token.symbol}: ${parsed.message}` }]);
    byToken.set(token.address, parsed.value);
  }
  return (token) => byToken.get(token) ?? 1n;
}

/**
 * The sweeps due on a chain: forwarder addresses with confirmed money not swept (the store), their
 * balances now (the node), batched under the block gas limit's share (plan-sweeps.ts).
 */
export async function planChainSweeps(input: {
  store: Store;
  client: PublicClient;
  chain: ChainConfig;
  request: SweepPlanRequest;
  maxBlockGasPercent?: number;
}): Promise<SweepBatch[]> {
  const { store, client, chain } = input;
  const minimum = minimumPerToken(chain, input.request.min);
  const outstanding = await store.read(listOutstandingAddresses, {
    chainId: chain.chainId,
    merchantId: input.request.merchantId,
  });
  if (outstanding.length === 0) return [];
  const tokens = chain.tokens.map((token) => token.address);
  let balances: Map<Address, Map<Address, bigint>>;
  let blockGasLimit: bigint;
  try {
    balances = await readBalances(
      client,
      outstanding.map((a) => a.depositAddress),
      tokens,
    );
    blockGasLimit = (await client.getBlock({ blockTag: 'latest' })).gasLimit;
  } catch (error) {
    throw new ChainUnavailableError(chain.chainId, error);
  }
  const candidates: SweepCandidate[] = outstanding.map((address) => ({
    merchantId: address.merchantId,
    payout: address.payout,
    depositAddress: address.depositAddress,
    salt: address.salt,
    deployed: address.deployed,
    balances: balances.get(address.depositAddress) ?? new Map(),
  }));
  const percent = BigInt(input.maxBlockGasPercent ?? DEFAULT_MAX_BLOCK_GAS_PERCENT);
  const share = (blockGasLimit * percent) / 100n;
  const maxGasPerTransaction = share < MAX_TRANSACTION_GAS ? share : MAX_TRANSACTION_GAS;
  return planSweeps(candidates, { tokens, minimum, maxGasPerTransaction });
}

/**
 * EIP-7825 (Ethereum since Fusaka): no transaction may use more than 2^24 gas, whatever the block
 * limit; a larger sweep would be refused by the mempool. Other chains without the cap lose nothing
 * but a second transaction (docs/benchmarks.md §6: about 255 first-time addresses fit under it).
 */
export const MAX_TRANSACTION_GAS = 16_777_216n;

export function sweepCalldata(batch: SweepBatch) {
  return encodeFunctionData({
    abi: forwarderFactoryAbi,
    functionName: 'sweep',
    args: [batch.payout, batch.salts, batch.tokens],
  });
}

/** The store's record of a planned batch (before its transaction is signed, sent or seen). */
export function newSweepOf(batch: SweepBatch, chainId: number): NewSweep {
  return {
    merchantId: batch.merchantId,
    chainId,
    payout: batch.payout,
    tokens: batch.tokens,
    addresses: batch.depositAddresses.map((depositAddress, i) => ({
      depositAddress,
      salt: batch.salts[i] as Hex,
    })),
    planned: batch.amounts,
  };
}
