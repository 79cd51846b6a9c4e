import type { Address } from 'viem';
import { BaseError } from '../domain/errors.ts';
import { formatAmount } from '../domain/money.ts';

/**
 * The gas wallet cannot pay a sweep's fee. The sweep is recorded `failed` with `sweep.failed`;
 * every deposit address keeps its money and is swept once the wallet is topped up.
 */
export class GasWalletUnfundedError extends BaseError {
  constructor(input: { address: Address; chainId: number; balance: bigint; needed: bigint }) {
    super(
      'gas_wallet_unfunded',
      `gas wallet ${input.address} has ${formatAmount(input.balance, 18)} ETH on chain ${input.chainId}; ` +
        `a sweep needs up to ${formatAmount(input.needed, 18)} ETH for its fee: send ETH to it (funds to sweep are safe in their deposit addresses)`,
    );
  }
}
