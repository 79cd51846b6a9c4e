import { type Address, encodeFunctionData, erc20Abi, type Hex } from 'viem';
import type { Confirmations } from '../domain/chain.ts';
import {
  type InvoiceException,
  type InvoiceRecord,
  type InvoiceStatus,
  paymentUri,
  type TransferRecord,
  type TransferStatus,
} from '../domain/invoice.ts';
import { formatAmount } from '../domain/money.ts';

/**
 * What the payer's page shows, one step finer than the invoice status: a pending invoice may be
 * waiting, partly paid or confirming a payment; a paid one may be paid late or overpaid.
 */
export type CheckoutPhase =
  | 'awaiting_payment'
  | 'partially_paid'
  | 'confirming'
  | 'paid'
  | 'paid_late'
  | 'overpaid'
  | 'underpaid'
  | 'expired'
  | 'canceled';

/** Phases that end in a receipt: the payer's money arrived. */
export const PAID_PHASES: ReadonlySet<CheckoutPhase> = new Set(['paid', 'paid_late', 'overpaid']);

/** Phases in which the page asks for money: only these carry a transaction to send. */
export const PAYABLE_PHASES: ReadonlySet<CheckoutPhase> = new Set([
  'awaiting_payment',
  'partially_paid',
  'confirming',
  'underpaid',
]);

/**
 * The public status of one invoice: what a payer needs and nothing else. Deliberately absent:
 * the merchant id, orderId, metadata, the address index and anything of another invoice. Amounts
 * are exact decimal strings in token units, as in the API.
 */
export type CheckoutStatus = {
  status: InvoiceStatus;
  exception: InvoiceException | null;
  phase: CheckoutPhase;
  amount: string;
  /** As in the API: confirmed payments, and `amount` minus that. */
  amountPaid: string;
  amountDue: string;
  /** Payments seen and not reverted, confirmed or not. */
  amountReceived: string;
  /** What the payer still has to send: `amount` minus every payment seen, so none is sent twice. */
  amountRemaining: string;
  token: { symbol: string; address: Address; decimals: number };
  chainId: number;
  chainName: string;
  depositAddress: Address;
  /** EIP-681 request for `amountRemaining`, so the QR code always asks for what is missing. */
  paymentUri: string;
  expiresAt: string;
  /** The server's clock, so the countdown does not depend on the payer's clock being right. */
  serverTime: string;
  /**
   * The chain's `confirmations`, as `GET /v1/chains` gives it: a count, or the block tag
   * (`safe`, `finalized`) a payment's block must reach, which no count of blocks can promise.
   */
  confirmationsRequired: Confirmations;
  /** The fewest confirmations among payments still being confirmed (0 when there are none). */
  confirmationsSeen: number;
  /** `explorerUrl` is `<chain explorerUrl>/tx/<txHash>`, or null when the chain has no explorer. */
  payments: {
    txHash: Hex;
    amount: string;
    confirmations: number;
    status: TransferStatus;
    explorerUrl: string | null;
  }[];
  paidAt: string | null;
  /** The merchant's return URL, only once paid: before that the payer has no reason to leave. */
  returnUrl: string | null;
  /** A devnet or testnet (chain config `testnet`): nothing paid here is real money. */
  testnet: boolean;
  /** eth_sendTransaction parameters for an ERC-20 `transfer` of `amountRemaining`, or null. */
  transaction: { to: Address; data: Hex } | null;
};

export type CheckoutChain = {
  chainId: number;
  name: string;
  confirmations: Confirmations;
  explorerUrl?: string | undefined;
  testnet?: boolean | undefined;
};

function decidePhase(
  invoice: InvoiceRecord,
  received: bigint,
  confirming: boolean,
  now: Date,
): CheckoutPhase {
  switch (invoice.status) {
    case 'canceled':
      return 'canceled';
    case 'paid':
      if (invoice.exception === 'overpaid') return 'overpaid';
      return invoice.exception === 'paid_late' ? 'paid_late' : 'paid';
    case 'processing':
      return 'confirming';
    case 'expired':
      return received > 0n ? 'underpaid' : 'expired';
    case 'pending':
      if (confirming) return 'confirming';
      // Past the deadline the settlement sweep will expire it; the payer should not pay meanwhile.
      if (now.getTime() >= invoice.expiresAt.getTime()) return received > 0n ? 'underpaid' : 'expired';
      return invoice.amountPaid > 0n ? 'partially_paid' : 'awaiting_payment';
  }
}

export function toCheckoutStatus(
  found: { invoice: InvoiceRecord; transfers: readonly TransferRecord[] },
  chain: CheckoutChain | undefined,
  now: Date,
): CheckoutStatus {
  const { invoice } = found;
  const { decimals } = invoice.token;
  const payments = found.transfers.filter((transfer) => transfer.tokenAddress === invoice.token.address);
  const unconfirmed = payments.filter((transfer) => transfer.status === 'detected');
  const received = invoice.amountDetected;
  const remaining = invoice.amount > received ? invoice.amount - received : 0n;
  const due = invoice.amount > invoice.amountPaid ? invoice.amount - invoice.amountPaid : 0n;
  const phase = decidePhase(invoice, received, unconfirmed.length > 0, now);
  const required = chain?.confirmations ?? 1;
  return {
    status: invoice.status,
    exception: invoice.exception,
    phase,
    amount: formatAmount(invoice.amount, decimals),
    amountPaid: formatAmount(invoice.amountPaid, decimals),
    amountDue: formatAmount(due, decimals),
    amountReceived: formatAmount(received, decimals),
    amountRemaining: formatAmount(remaining, decimals),
    token: { ...invoice.token },
    chainId: invoice.chainId,
    chainName: chain?.name ?? `Chain ${invoice.chainId}`,
    depositAddress: invoice.depositAddress,
    paymentUri: paymentUri(invoice.token, invoice.chainId, invoice.depositAddress, remaining),
    expiresAt: invoice.expiresAt.toISOString(),
    serverTime: now.toISOString(),
    confirmationsRequired: required,
    confirmationsSeen:
      unconfirmed.length === 0
        ? 0
        : Math.min(
            typeof required === 'number' ? required : Number.POSITIVE_INFINITY,
            ...unconfirmed.map((transfer) => transfer.confirmations),
          ),
    payments: payments.map((transfer) => ({
      txHash: transfer.txHash,
      amount: formatAmount(transfer.amount, decimals),
      confirmations: transfer.confirmations,
      status: transfer.status,
      explorerUrl: chain?.explorerUrl ? `${chain.explorerUrl}/tx/${transfer.txHash}` : null,
    })),
    paidAt: invoice.paidAt?.toISOString() ?? null,
    returnUrl: PAID_PHASES.has(phase) ? invoice.returnUrl : null,
    testnet: chain?.testnet === true,
    transaction:
      remaining > 0n && PAYABLE_PHASES.has(phase)
        ? {
            to: invoice.token.address,
            data: encodeFunctionData({
              abi: erc20Abi,
              functionName: 'transfer',
              args: [invoice.depositAddress, remaining],
            }),
          }
        : null,
  };
}
