import { type Address, type Hex, toHex } from 'viem';
import { FORWARDER_FACTORY_ADDRESS } from './forwarder-address.ts';
import type { TokenRef } from './invoice.ts';
import { formatAmount } from './money.ts';

/**
 * A ForwarderFactory.sweep transaction (contracts/ForwarderFactory.sol) as the store keeps it.
 * `unsigned`: planned for the merchant's own wallet, its transaction not seen yet.
 */
export const SWEEP_STATUSES = ['unsigned', 'submitted', 'confirmed', 'failed'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

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
  /** Per token, the balances the plan read: what the sweep is expected to move. */
  planned: Map<Address, bigint>;
  /** Unsigned: the calldata to send, its suggested gas, and when its addresses are released. */
  calldata: Hex | null;
  gasLimit: bigint | null;
  expiresAt: Date | null;
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

/** The token of an address flushed on this chain (unknown ones keep their address as symbol). */
export function tokenLookup(chain: { tokens: readonly TokenRef[] }): (address: Address) => TokenRef {
  return (address) =>
    chain.tokens.find((token) => token.address === address) ??
    (address === ETH_TOKEN.address ? ETH_TOKEN : { symbol: address, address, decimals: 0 });
}

/** Per-token totals of a sweep's flushes, in the order they appear, in base units. */
export function sumFlushes(flushes: readonly SweepFlush[]): Map<Address, bigint> {
  const totals = new Map<Address, bigint>();
  for (const flush of flushes) totals.set(flush.token, (totals.get(flush.token) ?? 0n) + flush.amount);
  return totals;
}

/** Per-token amounts as exact decimal strings of each token's units. */
export function formatTokenAmounts(
  amounts: ReadonlyMap<Address, bigint>,
  tokenOf: (address: Address) => TokenRef,
): { token: TokenRef; amount: string }[] {
  return [...amounts].map(([address, amount]) => {
    const token = tokenOf(address);
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
    planned: formatTokenAmounts(sweep.planned, tokenOf),
    totals: formatTokenAmounts(sumFlushes(sweep.flushes), tokenOf),
    // EIP-1193 `eth_sendTransaction` takes { to, data, gas } as is (gas is a JSON-RPC quantity).
    transaction:
      sweep.status === 'unsigned' && sweep.calldata
        ? {
            to: FORWARDER_FACTORY_ADDRESS,
            data: sweep.calldata,
            ...(sweep.gasLimit === null ? {} : { gas: toHex(sweep.gasLimit) }),
          }
        : null,
    expiresAt: sweep.expiresAt?.toISOString() ?? null,
    blockNumber: sweep.blockNumber,
    gasUsed: sweep.gasUsed?.toString() ?? null,
    effectiveGasPrice: sweep.effectiveGasPrice?.toString() ?? null,
    failureReason: sweep.failureReason,
    createdAt: sweep.createdAt.toISOString(),
    confirmedAt: sweep.confirmedAt?.toISOString() ?? null,
  };
}
export type SweepResource = ReturnType<typeof toSweepResource>;
