import { formatAmount } from './money.ts';

export type InvoiceStatus = 'pending' | 'processing' | 'paid' | 'expired' | 'canceled';
export type InvoiceException = 'underpaid' | 'overpaid' | 'paid_late';
export type TransferStatus = 'detected' | 'confirmed' | 'reverted';

export type TokenRef = { symbol: string; address: `0x${string}`; decimals: number };

/** An invoice as stored: amounts are bigint base units, times are Date. */
/** README "Merchants": an xpub child address, or a forwarder that can only pay the payout. */
export type DepositMode = 'xpub' | 'forwarder';

export type InvoiceRecord = {
  id: string;
  merchantId: string;
  status: InvoiceStatus;
  exception: InvoiceException | null;
  chainId: number;
  token: TokenRef;
  amount: bigint;
  amountPaid: bigint;
  amountDetected: bigint;
  addressIndex: number;
  depositAddress: `0x${string}`;
  /** How the deposit address was made: child `addressIndex` of the xpub, or a forwarder. */
  depositMode: DepositMode;
  /** What a forwarder address commits to (contracts/Forwarder.sol); null in xpub mode. */
  forwarder: { payout: `0x${string}`; salt: `0x${string}` } | null;
  watchFromBlock: number | null;
  orderId: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** Where the payer goes back to once paid; validated at creation (https, or http on a devnet). */
  returnUrl: string | null;
  createdAt: Date;
  expiresAt: Date;
  paidAt: Date | null;
  expiredAt: Date | null;
  canceledAt: Date | null;
};

export type TransferRecord = {
  id: number;
  chainId: number;
  invoiceId: string;
  tokenAddress: `0x${string}`;
  txHash: `0x${string}`;
  logIndex: number;
  blockNumber: number;
  blockHash: `0x${string}`;
  blockTimestamp: number;
  from: `0x${string}`;
  to: `0x${string}`;
  amount: bigint;
  status: TransferStatus;
  confirmations: number;
};

/** The invoice as the API and webhooks show it (its schema in /openapi.json, README "Invoice lifecycle"): exact decimal strings, ISO times. */
export type InvoiceResource = ReturnType<typeof toInvoiceResource>;

/** EIP-681 payment request for an ERC-20 transfer of `baseUnits` to `to`. */
export function paymentUri(token: TokenRef, chainId: number, to: string, baseUnits: bigint): string {
  return `ethereum:${token.address}@${chainId}/transfer?address=${to}&uint256=${baseUnits}`;
}

export function amountDue(invoice: Pick<InvoiceRecord, 'amount' | 'amountPaid'>): bigint {
  return invoice.amount > invoice.amountPaid ? invoice.amount - invoice.amountPaid : 0n;
}

export function toInvoiceResource(
  invoice: InvoiceRecord,
  transfers: readonly TransferRecord[],
  options: { publicUrl: string; chainName?: string },
) {
  const decimals = invoice.token.decimals;
  const due = amountDue(invoice);
  return {
    id: invoice.id,
    object: 'invoice' as const,
    status: invoice.status,
    exception: invoice.exception,
    amount: formatAmount(invoice.amount, decimals),
    amountPaid: formatAmount(invoice.amountPaid, decimals),
    amountDue: formatAmount(due, decimals),
    currency: invoice.token.symbol,
    chainId: invoice.chainId,
    token: { ...invoice.token },
    depositAddress: invoice.depositAddress,
    depositMode: invoice.depositMode,
    paymentUri: paymentUri(invoice.token, invoice.chainId, invoice.depositAddress, due),
    checkoutUrl: `${options.publicUrl}/pay/${invoice.id}`,
    orderId: invoice.orderId,
    description: invoice.description,
    metadata: invoice.metadata,
    returnUrl: invoice.returnUrl,
    payments: transfers
      .filter((transfer) => transfer.tokenAddress === invoice.token.address)
      .map((transfer) => ({
        txHash: transfer.txHash,
        logIndex: transfer.logIndex,
        blockNumber: transfer.blockNumber,
        blockHash: transfer.blockHash,
        from: transfer.from,
        amount: formatAmount(transfer.amount, decimals),
        confirmations: transfer.confirmations,
        status: transfer.status,
      })),
    createdAt: invoice.createdAt.toISOString(),
    expiresAt: invoice.expiresAt.toISOString(),
    paidAt: invoice.paidAt?.toISOString() ?? null,
  };
}
