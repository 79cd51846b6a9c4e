import { decodeFunctionData, erc20Abi } from 'viem';
import { describe, expect, it } from 'vitest';
import type { InvoiceRecord, TransferRecord } from '../domain/invoice.ts';
import { toCheckoutStatus } from './checkout-status.ts';

const NOW = new Date('2026-01-01T00:10:00.000Z');
const USDC = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 } as const;
const DEPOSIT = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CHAIN = { chainId: 31337, name: 'Anvil', confirmations: 3 };

function invoice(overrides: Partial<InvoiceRecord> = {}): InvoiceRecord {
  return {
    id: 'inv_01jzzzzzzzzzzzzzzzzzzzzzzz',
    merchantId: 'mch_secret',
    status: 'pending',
    exception: null,
    chainId: 31337,
    token: USDC,
    amount: 25_500_000n,
    amountPaid: 0n,
    amountDetected: 0n,
    addressIndex: 7,
    depositAddress: DEPOSIT,
    depositMode: 'xpub',
    forwarder: null,
    watchFromBlock: 1,
    orderId: 'order-secret',
    description: 'Tea',
    metadata: { email: 'secret@example.com' },
    returnUrl: 'https://shop.example/secret-return',
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    expiresAt: new Date('2026-01-01T01:00:00.000Z'),
    paidAt: null,
    expiredAt: null,
    canceledAt: null,
    ...overrides,
  };
}

function transfer(overrides: Partial<TransferRecord> = {}): TransferRecord {
  return {
    id: 1,
    chainId: 31337,
    invoiceId: 'inv_01jzzzzzzzzzzzzzzzzzzzzzzz',
    tokenAddress: USDC.address,
    txHash: `0x${'ab'.repeat(32)}`,
    logIndex: 0,
    blockNumber: 10,
    blockHash: `0x${'cd'.repeat(32)}`,
    blockTimestamp: 1_767_225_700,
    from: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    to: DEPOSIT,
    amount: 10_000_000n,
    status: 'detected',
    confirmations: 1,
    ...overrides,
  };
}

const statusOf = (record: InvoiceRecord, transfers: TransferRecord[] = []) =>
  toCheckoutStatus({ invoice: record, transfers }, CHAIN, NOW);

describe('toCheckoutStatus', () => {
  it('shows a payer what to pay and nothing of the merchant', () => {
    const status = statusOf(invoice());
    expect(status).toMatchObject({
      status: 'pending',
      phase: 'awaiting_payment',
      amount: '25.5',
      amountDue: '25.5',
      amountRemaining: '25.5',
      chainName: 'Anvil',
      confirmationsRequired: 3,
      paymentUri: `ethereum:${USDC.address}@31337/transfer?address=${DEPOSIT}&uint256=25500000`,
      serverTime: NOW.toISOString(),
    });
    const text = JSON.stringify(status);
    for (const secret of [
      'mch_secret',
      'order-secret',
      'secret@example.com',
      'addressIndex',
      'metadata',
      'Tea',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('carries ERC-20 transfer calldata for the amount remaining', () => {
    const { transaction } = statusOf(invoice());
    expect(transaction?.to).toBe(USDC.address);
    const decoded = decodeFunctionData({ abi: erc20Abi, data: transaction?.data ?? '0x' });
    expect(decoded).toEqual({ functionName: 'transfer', args: [DEPOSIT, 25_500_000n] });
  });

  it('counts a detected payment toward what remains, so the payer never sends it twice', () => {
    const status = statusOf(invoice({ amountDetected: 10_000_000n }), [transfer()]);
    expect(status).toMatchObject({
      phase: 'confirming',
      amountDue: '25.5',
      amountReceived: '10',
      amountRemaining: '15.5',
      confirmationsSeen: 1,
      payments: [{ txHash: `0x${'ab'.repeat(32)}`, amount: '10', confirmations: 1, status: 'detected' }],
    });
    expect(status.paymentUri).toMatch(/uint256=15500000$/);
  });

  it('on a chain that confirms by a block tag, requires the tag and counts the blocks seen, uncapped', () => {
    const status = toCheckoutStatus(
      { invoice: invoice({ amountDetected: 10_000_000n }), transfers: [transfer({ confirmations: 70 })] },
      { ...CHAIN, confirmations: 'finalized' },
      NOW,
    );
    expect(status).toMatchObject({
      phase: 'confirming',
      confirmationsRequired: 'finalized',
      confirmationsSeen: 70,
    });
  });

  it('reports a confirmed partial payment as partly paid', () => {
    const record = invoice({ amountPaid: 10_000_000n, amountDetected: 10_000_000n });
    const status = statusOf(record, [transfer({ status: 'confirmed', confirmations: 3 })]);
    expect(status).toMatchObject({ phase: 'partially_paid', amountDue: '15.5', confirmationsSeen: 0 });
  });

  it('keeps asking for the rest of an underpaid invoice', () => {
    const record = invoice({
      status: 'expired',
      exception: 'underpaid',
      amountPaid: 10_000_000n,
      amountDetected: 10_000_000n,
    });
    const status = statusOf(record, [transfer({ status: 'confirmed', confirmations: 5 })]);
    expect(status.phase).toBe('underpaid');
    expect(status.amountRemaining).toBe('15.5');
    expect(status.transaction).not.toBeNull();
  });

  it('stops asking for money once paid, expired, canceled or past the deadline', () => {
    const paid = invoice({ status: 'paid', amountPaid: 25_500_000n, amountDetected: 25_500_000n });
    expect(statusOf(paid)).toMatchObject({ phase: 'paid', amountRemaining: '0', transaction: null });
    expect(
      statusOf(invoice({ status: 'paid', exception: 'overpaid', amountDetected: 30_000_000n })).phase,
    ).toBe('overpaid');
    expect(statusOf(invoice({ status: 'expired' }))).toMatchObject({ phase: 'expired', transaction: null });
    expect(statusOf(invoice({ status: 'canceled' }))).toMatchObject({ phase: 'canceled', transaction: null });
    const late = invoice({ expiresAt: new Date('2026-01-01T00:09:59.000Z') });
    expect(statusOf(late)).toMatchObject({ status: 'pending', phase: 'expired', transaction: null });
  });

  it('lists only transfers of the invoice token and never reverted ones as received', () => {
    const other = transfer({ id: 2, tokenAddress: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' });
    const reverted = transfer({ id: 3, status: 'reverted', confirmations: 0 });
    const status = statusOf(invoice(), [other, reverted]);
    expect(status.payments).toEqual([expect.objectContaining({ status: 'reverted' })]);
    expect(status).toMatchObject({ phase: 'awaiting_payment', amountRemaining: '25.5' });
  });
});
