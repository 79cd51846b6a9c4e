import type { Address, Hex } from 'viem';
import type { TokenRef } from './invoice.ts';
import { formatAmount } from './money.ts';

/** A ForwarderFactory.sweep transaction (contracts/ForwarderFactory.sol) as the store keeps it. */
export type SweepStatus = 'submitted' | 'confirmed' | 'failed';

export type SweepFlush = { depositAddress: Address; token: Address; amount: bigint };

export type SweepRecord = {
  id: string;
  merchantId: string;
  chainId: number;
  payout: Address;
  status: SweepStatus;
  from: Address | null;
  nonce: number | null;
  txHash: Hex | null;
  tokens: Address[];
  depositAddresses: Address[];
  /** From the confirmed receipt's Flushed logs; empty until confirmed. */
  flushes: SweepFlush[];
  blockNumber: number | null;
  gasUsed: bigint | null;
  effectiveGasPrice: bigint | null;
  failureReason: string | null;
  createdAt: Date;
  confirmedAt: Date | null;
};

/** Flushed with token 0: the forwarder's ETH (contracts/Forwarder.sol). */
export const ETH_TOKEN: TokenRef = {
  symbol: 'ETH',
  address: '0x0000000000000000000000000000000000000000',
  decimals: 18,
};

/** Per-token totals of a sweep's flushes, in the order of `tokens`, exact decimal strings. */
export function sweepTotals(
  flushes: readonly SweepFlush[],
  tokenOf: (address: Address) => TokenRef,
): { token: TokenRef; amount: string }[] {
  const totals = new Map<string, bigint>();
  for (const flush of flushes) totals.set(flush.token, (totals.get(flush.token) ?? 0n) + flush.amount);
  return [...totals].map(([address, amount]) => {
    const token = tokenOf(address as Address);
    return { token, amount: formatAmount(amount, token.decimals) };
  });
}

/** The JSON of a sweep in the API and in `sweep.*` events. */
export function toSweepResource(sweep: SweepRecord, tokenOf: (address: Address) => TokenRef) {
  return {
    id: sweep.id,
    object: 'sweep' as const,
    chainId: sweep.chainId,
    payout: sweep.payout,
    status: sweep.status,
    from: sweep.from,
    nonce: sweep.nonce,
    txHash: sweep.txHash,
    depositAddresses: sweep.depositAddresses,
    totals: sweepTotals(sweep.flushes, tokenOf),
    blockNumber: sweep.blockNumber,
    gasUsed: sweep.gasUsed?.toString() ?? null,
    effectiveGasPrice: sweep.effectiveGasPrice?.toString() ?? null,
    failureReason: sweep.failureReason,
    createdAt: sweep.createdAt.toISOString(),
    confirmedAt: sweep.confirmedAt?.toISOString() ?? null,
  };
}
export type SweepResource = ReturnType<typeof toSweepResource>;
