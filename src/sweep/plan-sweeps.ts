import type { Address, Hex } from 'viem';

/**
 * Which deposit addresses to sweep, and how to batch them into ForwarderFactory.sweep calls
 * (contracts/ForwarderFactory.sol). Pure: the balances come from the chain, the rest from the store.
 */

/** A forwarder deposit address of a paid invoice, with its balances read from the chain. */
export type SweepCandidate = {
  merchantId: string;
  payout: Address;
  depositAddress: Address;
  salt: Hex;
  /** Whether a confirmed sweep deployed its forwarder already (the next sweep skips the deployment). */
  deployed: boolean;
  /** Token address → balance in base units; tokens with nothing may be absent. */
  balances: ReadonlyMap<Address, bigint>;
};

export type SweepBatch = {
  merchantId: string;
  payout: Address;
  depositAddresses: Address[];
  salts: Hex[];
  /** Every token with a balance in one of the batch's addresses, in the chain's configured order. */
  tokens: Address[];
  /** What the batch moves, per token, as read before the sweep (the receipt has the truth). */
  amounts: Map<Address, bigint>;
  /** Our upper estimate of the gas it uses (GAS below); the executor still asks the node. */
  gasEstimate: bigint;
};

/**
 * Upper estimates of ForwarderFactory.sweep's gas, from its code: the transaction with its calldata;
 * per address the CREATE2 prediction and the flush call; an EIP-1167 clone with immutable args
 * when it is not deployed yet; per listed token a `balanceOf` staticcall (cold under EIP-2929);
 * per non-zero balance a `transfer` (two cold storage slots, an SSTORE to zero, a log).
 * Measured (docs/benchmarks.md, "6. Sweeps"): a gas limit of about 65,600 per address for a first
 * sweep of one token, 17,800 for a later one, +3,800 per listed token; these stay above that, and
 * test/sweep/sweeps.test.ts checks every batch's gasUsed against its estimate.
 */
export const GAS = {
  base: 60_000n,
  perAddress: 10_000n,
  deploy: 45_000n,
  perTokenCheck: 5_000n,
  perFlush: 30_000n,
} as const;

export type PlanOptions = {
  /** The chain's configured tokens, in order. */
  tokens: readonly Address[];
  /** An address is swept when one of its token balances reaches this (base units); at least 1. */
  minimum: (token: Address) => bigint;
  /** Keep each transaction under this: a fraction of the block gas limit. */
  maxGasPerTransaction: bigint;
};

export function addressGas(candidate: SweepCandidate, tokenCount: number): bigint {
  let gas = GAS.perAddress + GAS.perTokenCheck * BigInt(tokenCount);
  if (!candidate.deployed) gas += GAS.deploy;
  for (const amount of candidate.balances.values()) if (amount > 0n) gas += GAS.perFlush;
  return gas;
}

function isDue(candidate: SweepCandidate, minimum: PlanOptions['minimum']): boolean {
  for (const [token, amount] of candidate.balances) {
    if (amount > 0n && amount >= minimum(token)) return true;
  }
  return false;
}

/**
 * Groups the due addresses per (merchant, payout) — one transaction pays one payout, and its events
 * are one merchant's — then fills transactions greedily in address order under the gas cap.
 */
export function planSweeps(candidates: readonly SweepCandidate[], options: PlanOptions): SweepBatch[] {
  const groups = new Map<string, SweepCandidate[]>();
  for (const candidate of candidates) {
    if (!isDue(candidate, options.minimum)) continue;
    const key = `${candidate.merchantId}:${candidate.payout}`;
    groups.set(key, [...(groups.get(key) ?? []), candidate]);
  }
  const batches: SweepBatch[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.depositAddress < b.depositAddress ? -1 : 1));
    const tokens = options.tokens.filter((token) => group.some((c) => (c.balances.get(token) ?? 0n) > 0n));
    let batch: SweepBatch | undefined;
    for (const candidate of group) {
      const gas = addressGas(candidate, tokens.length);
      if (!batch || batch.gasEstimate + gas > options.maxGasPerTransaction) {
        batch = {
          merchantId: candidate.merchantId,
          payout: candidate.payout,
          depositAddresses: [],
          salts: [],
          tokens,
          amounts: new Map(),
          gasEstimate: GAS.base,
        };
        batches.push(batch);
      }
      batch.depositAddresses.push(candidate.depositAddress);
      batch.salts.push(candidate.salt);
      batch.gasEstimate += gas;
      for (const [token, amount] of candidate.balances) {
        if (amount > 0n) batch.amounts.set(token, (batch.amounts.get(token) ?? 0n) + amount);
      }
    }
  }
  // A batch's tokens are those its own addresses hold: fewer balanceOf calls per address.
  for (const batch of batches) {
    const held = new Set(batch.amounts.keys());
    batch.tokens = batch.tokens.filter((token) => held.has(token));
  }
  return batches;
}
