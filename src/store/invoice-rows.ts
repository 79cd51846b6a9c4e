import type { Address, Hash, Hex } from 'viem';
import type {
  DepositMode,
  InvoiceException,
  InvoiceRecord,
  InvoiceStatus,
  TransferRecord,
  TransferStatus,
} from '../domain/invoice.ts';

/** SQL snake_case rows and their mapping to the domain's records: the only place the two meet. */

export type InvoiceRow = {
  id: string;
  merchant_id: string;
  status: InvoiceStatus;
  exception: InvoiceException | null;
  chain_id: number;
  token_symbol: string;
  token_address: Address;
  token_decimals: number;
  amount: string;
  amount_paid: string;
  amount_detected: string;
  address_index: number;
  deposit_address: Address;
  deposit_mode: DepositMode;
  forwarder_payout: Address | null;
  forwarder_salt: Hex | null;
  watch_from_block: number | null;
  order_id: string | null;
  description: string | null;
  metadata: string;
  return_url: string | null;
  created_at: string;
  expires_at: string;
  paid_at: string | null;
  expired_at: string | null;
  canceled_at: string | null;
};

export type TransferRow = {
  id: number;
  chain_id: number;
  invoice_id: string;
  token_address: Address;
  tx_hash: Hash;
  log_index: number;
  block_number: number;
  block_hash: Hash;
  block_timestamp: number;
  from_address: Address;
  to_address: Address;
  amount: string;
  status: TransferStatus;
  confirmations: number;
};

const date = (value: string | null): Date | null => (value === null ? null : new Date(value));

export function toInvoiceRecord(row: InvoiceRow): InvoiceRecord {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    status: row.status,
    exception: row.exception,
    chainId: row.chain_id,
    token: { symbol: row.token_symbol, address: row.token_address, decimals: row.token_decimals },
    amount: BigInt(row.amount),
    amountPaid: BigInt(row.amount_paid),
    amountDetected: BigInt(row.amount_detected),
    addressIndex: row.address_index,
    depositAddress: row.deposit_address,
    depositMode: row.deposit_mode,
    forwarder:
      row.forwarder_payout && row.forwarder_salt
        ? { payout: row.forwarder_payout, salt: row.forwarder_salt }
        : null,
    watchFromBlock: row.watch_from_block,
    orderId: row.order_id,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    returnUrl: row.return_url ?? null,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    paidAt: date(row.paid_at),
    expiredAt: date(row.expired_at),
    canceledAt: date(row.canceled_at),
  };
}

export function toTransferRecord(row: TransferRow): TransferRecord {
  return {
    id: row.id,
    chainId: row.chain_id,
    invoiceId: row.invoice_id,
    tokenAddress: row.token_address,
    txHash: row.tx_hash,
    logIndex: row.log_index,
    blockNumber: row.block_number,
    blockHash: row.block_hash,
    blockTimestamp: row.block_timestamp,
    from: row.from_address,
    to: row.to_address,
    amount: BigInt(row.amount),
    status: row.status,
    confirmations: row.confirmations,
  };
}
