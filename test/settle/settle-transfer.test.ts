import type { Hash } from 'viem';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenRef } from '../../src/domain/invoice.ts';
import { expireDueInvoices } from '../../src/settle/expire-due-invoices.ts';
import { settleTransfer } from '../../src/settle/settle-transfer.ts';
import { commitScan } from '../../src/store/chain-state.ts';
import { createInvoice, loadInvoice } from '../../src/store/invoices.ts';
import { pluck } from '../../src/store/sql.ts';
import {
  addMerchant,
  createManualClock,
  createTestContext,
  TEST_CHAIN,
  type TestContext,
} from '../fixtures/context.ts';

/**
 * Settlement's steps run through the store, without the queue or the chain: a recorded transfer
 * is applied once, and a due invoice expires once, each in one transaction with its events.
 */
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;

let ctx: TestContext;
let clock: ReturnType<typeof createManualClock>;
let merchantId: string;

beforeEach(async () => {
  clock = createManualClock();
  ctx = await createTestContext({ clock });
  merchantId = (await addMerchant(ctx)).merchant.id;
});
afterEach(() => ctx.close());

function usdc(): TokenRef {
  const token = TEST_CHAIN.tokens[0];
  if (!token) throw new Error('TEST_CHAIN has no token');
  return token;
}

const options = () => ({ publicUrl: ctx.config.publicUrl, now: clock.now() });

async function newInvoice(expiresInSeconds = 3600) {
  const { invoice } = await ctx.store.write(
    createInvoice,
    { merchantId, chainId: TEST_CHAIN.chainId, token: usdc(), amount: 5_000_000n, expiresInSeconds },
    options(),
  );
  return invoice;
}

/** Commits a scan up to block `number`, level with the head (the watcher is in sync). */
async function scan(number: number, transfers: Parameters<typeof commitScan>[0]['transfers'] = []) {
  const block = {
    number,
    hash: hash(number),
    parentHash: hash(number - 1),
    timestamp: Math.floor(clock.now().getTime() / 1000),
  };
  await ctx.store.write(commitScan, {
    chainId: TEST_CHAIN.chainId,
    transfers,
    blocks: [block],
    cursor: block,
    headNumber: number,
    indexedRowId: 1,
    confirmedThrough: number,
    windowSize: 64,
    now: clock.now(),
  });
}

const eventTypes = (invoiceId: string) =>
  ctx.store.read(function* () {
    return yield* pluck<string>('SELECT type FROM events WHERE invoice_id = ? ORDER BY seq').all(invoiceId);
  });

describe('settleTransfer', () => {
  it('applies a confirmed payment once: the invoice is paid with its events, a replay changes nothing', async () => {
    const invoice = await newInvoice();
    await scan(10, [
      {
        invoiceId: invoice.id,
        tokenAddress: usdc().address,
        txHash: hash(1),
        logIndex: 0,
        blockNumber: 10,
        blockHash: hash(10),
        blockTimestamp: Math.floor(clock.now().getTime() / 1000),
        from: '0x000000000000000000000000000000000000dEaD',
        to: invoice.depositAddress,
        amount: 5_000_000n,
      },
    ]);
    const transferId = await ctx.store.read(function* () {
      return yield* pluck<number>('SELECT id FROM transfers WHERE invoice_id = ?').get(invoice.id);
    });
    if (transferId === undefined) throw new Error('the payment was not recorded');

    expect(await ctx.store.write(settleTransfer, transferId, options())).toEqual({
      kind: 'applied',
      events: ['invoice.payment_detected', 'invoice.paid'],
    });
    expect(await ctx.store.write(settleTransfer, transferId, options())).toEqual({ kind: 'already-settled' });
    expect(await ctx.store.write(settleTransfer, transferId + 1, options())).toEqual({ kind: 'missing' });

    const settled = await ctx.store.read(loadInvoice, invoice.id);
    expect(settled?.invoice).toMatchObject({ status: 'paid', amountPaid: 5_000_000n });
    expect(await eventTypes(invoice.id)).toEqual([
      'invoice.created',
      'invoice.payment_detected',
      'invoice.paid',
    ]);
  });
});

describe('expireDueInvoices', () => {
  it('expires a due pending invoice once the watcher was in sync after its deadline, once', async () => {
    const due = await newInvoice(60);
    const later = await newInvoice(3600);
    clock.advance(61_000);
    // Past the deadline but the watcher has not been in sync since: nothing can be decided yet.
    expect(await expireDueInvoices(ctx.store, options())).toEqual({ expired: 0 });

    await scan(10);
    expect(await expireDueInvoices(ctx.store, options())).toEqual({ expired: 1 });
    expect((await ctx.store.read(loadInvoice, due.id))?.invoice.status).toBe('expired');
    expect((await ctx.store.read(loadInvoice, later.id))?.invoice.status).toBe('pending');
    expect(await eventTypes(due.id)).toEqual(['invoice.created', 'invoice.expired']);

    expect(await expireDueInvoices(ctx.store, options())).toEqual({ expired: 0 });
    expect(await eventTypes(due.id)).toEqual(['invoice.created', 'invoice.expired']);
  });
});
