import { Webhook } from 'standardwebhooks';
import type { Address } from 'viem';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { pluck, query } from '../../src/store/sql.ts';
import { createTestClients, mine, reorg, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type Gateway, startGateway } from '../fixtures/gateway.ts';

withSnapshot();

let gateway: Gateway;
const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[1]?.address as Address;
const pay = (to: Address, amount: bigint) => sendToken({ token: usdc(), from: payer(), to, amount });

function eventsFor(invoiceId: string): string[] {
  return gateway
    .webhooks()
    .filter((event) => event.data.invoice.id === invoiceId)
    .map((event) => event.type);
}

function invoiceRow(id: string) {
  return gateway.ctx.store.read(function* () {
    return yield* query<{ status: string; exception: string | null; amount_paid: string }>(
      'SELECT status, exception, amount_paid FROM invoices WHERE id = ?',
    ).get(id);
  });
}

beforeEach(async () => {
  gateway = await startGateway({ confirmations: 2 });
});
afterEach(async () => {
  await gateway.stop();
});

describe('payments to webhooks', () => {
  it('marks an exact payment paid after confirmations and sends verified webhooks in order', async () => {
    const invoice = await gateway.createInvoice('25.5');
    await pay(invoice.depositAddress, 25_500_000n);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.processing'));
    await mine(1);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.paid'));
    expect(await invoiceRow(invoice.id)).toEqual({
      status: 'paid',
      exception: null,
      amount_paid: '25500000',
    });
    expect(eventsFor(invoice.id)).toEqual([
      'invoice.created',
      'invoice.payment_detected',
      'invoice.processing',
      'invoice.paid',
    ]);
    const webhook = new Webhook(gateway.secret);
    for (const request of gateway.receiver.received('/hook')) {
      const verified = webhook.verify(request.body, request.headers) as { id: string };
      expect(request.headers['webhook-id']).toBe(verified.id);
    }
    const paid = gateway.webhooks().find((event) => event.type === 'invoice.paid');
    expect(paid?.data.invoice).toMatchObject({ status: 'paid', amountPaid: '25.5', amountDue: '0' });
  });

  it('adds up split payments and flags an overpayment', async () => {
    const split = await gateway.createInvoice('10');
    const over = await gateway.createInvoice('10');
    await pay(split.depositAddress, 4_000_000n);
    await pay(split.depositAddress, 6_000_000n);
    await pay(over.depositAddress, 12_000_000n);
    await mine(2);
    await gateway.waitFor(
      () => eventsFor(split.id).includes('invoice.paid') && eventsFor(over.id).includes('invoice.paid'),
    );
    expect(await invoiceRow(split.id)).toEqual({ status: 'paid', exception: null, amount_paid: '10000000' });
    expect(await invoiceRow(over.id)).toEqual({
      status: 'paid',
      exception: 'overpaid',
      amount_paid: '12000000',
    });
    expect(eventsFor(split.id).filter((type) => type === 'invoice.payment_detected')).toHaveLength(2);
  });

  it('expires an underpaid invoice, then marks a late completion paid_late', async () => {
    const invoice = await gateway.createInvoice('10', { expiresInSeconds: 60 });
    await pay(invoice.depositAddress, 4_000_000n);
    await mine(2);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.payment_detected'));
    gateway.clock.advance(61_000);
    await mine(1); // the watcher must see a head after the deadline before expiry is decided
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.expired'), 30_000);
    expect(await invoiceRow(invoice.id)).toMatchObject({ status: 'expired', exception: 'underpaid' });
    const { testClient } = createTestClients();
    await testClient.setNextBlockTimestamp({
      timestamp: BigInt(Math.floor(invoice.expiresAt.getTime() / 1000) + 30),
    });
    await pay(invoice.depositAddress, 6_000_000n);
    await mine(2);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.paid'));
    expect(await invoiceRow(invoice.id)).toEqual({
      status: 'paid',
      exception: 'paid_late',
      amount_paid: '10000000',
    });
  });

  it('rolls back a reorged payment with invoice.payment_reverted and pays once on the re-sent one', async () => {
    const invoice = await gateway.createInvoice('5');
    await pay(invoice.depositAddress, 5_000_000n);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.processing'));
    await reorg(1);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.payment_reverted'));
    expect((await invoiceRow(invoice.id))?.status).toBe('pending');
    await pay(invoice.depositAddress, 5_000_000n);
    await gateway.waitFor(
      () => eventsFor(invoice.id).filter((type) => type === 'invoice.processing').length === 2,
    );
    await mine(2);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.paid'));
    expect(eventsFor(invoice.id)).toEqual([
      'invoice.created',
      'invoice.payment_detected',
      'invoice.processing',
      'invoice.payment_reverted',
      'invoice.payment_detected',
      'invoice.processing',
      'invoice.paid',
    ]);
  });

  it('makes one state change from 50 concurrent duplicate settle jobs', async () => {
    const invoice = await gateway.createInvoice('3');
    await pay(invoice.depositAddress, 3_000_000n);
    await mine(2);
    await gateway.waitFor(() => eventsFor(invoice.id).includes('invoice.paid'));
    const transfer = await gateway.ctx.store.read(function* () {
      return yield* query<{ id: number; version: number }>(
        'SELECT id, version FROM transfers WHERE invoice_id = ?',
      ).get(invoice.id);
    });
    if (!transfer) throw new Error('no transfer');
    // Force re-settlement and flood the queue with jobs for it under distinct ids.
    await gateway.ctx.store.write(function* () {
      yield* query('UPDATE transfers SET settled_version = 0 WHERE id = ?').run(transfer.id);
    });
    await gateway.workers.settleQueue.addBulk(
      Array.from({ length: 50 }, (_, i) => ({
        name: 'settle',
        data: { changes: [{ transferId: transfer.id, version: transfer.version }] },
        opts: { jobId: `dup-${i}` },
      })),
    );
    await gateway.waitFor(async () => {
      const settledVersion = await gateway.ctx.store.read(function* () {
        return yield* pluck<number>('SELECT settled_version FROM transfers WHERE id = ?').get(transfer.id);
      });
      return settledVersion === transfer.version;
    });
    await gateway.waitFor(
      async () =>
        (await gateway.workers.settleQueue.getActiveCount()) +
          (await gateway.workers.settleQueue.getWaitingCount()) ===
        0,
    );
    const paidEvents = await gateway.ctx.store.read(function* () {
      return yield* pluck<number>(
        "SELECT count(*) FROM events WHERE invoice_id = ? AND type = 'invoice.paid'",
      ).get(invoice.id);
    });
    expect(paidEvents).toBe(1);
  });
});
