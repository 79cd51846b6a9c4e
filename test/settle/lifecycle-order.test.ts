import type { Address } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Confirmations } from '../../src/domain/chain.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { createTestClients, mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type Gateway, startGateway } from '../fixtures/gateway.ts';

/**
 * The event order README "Invoice lifecycle" and /docs promise, end to end on anvil. Every event
 * carries the invoice as it is after the whole change that produced it, so with 1 confirmation the
 * payment and its confirmation are one change: `invoice.payment_detected` already says `paid` and
 * `invoice.processing` never fires.
 */
withSnapshot();

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[2]?.address as Address;

/** `type:status` of every webhook received for the invoice, in delivery order. */
function timeline(running: Gateway, invoiceId: string): string[] {
  return running
    .webhooks()
    .filter((event) => event.data.invoice.id === invoiceId)
    .map((event) => `${event.type}:${event.data.invoice.status}`);
}

/** The block the watcher has followed the chain to (0 before its first scan). */
async function cursorBlock(running: Gateway): Promise<number> {
  const block = await running.ctx.store.read(function* () {
    return yield* pluck<number>('SELECT block_number FROM chain_cursors').get();
  });
  return block ?? 0;
}

/** Resolves once the watcher has followed the chain to the node's head. */
async function watcherAtHead(running: Gateway): Promise<void> {
  const head = Number(await createTestClients().publicClient.getBlockNumber());
  await running.waitFor(async () => (await cursorBlock(running)) >= head);
}

async function payExactly(confirmations: Confirmations) {
  const running = await startGateway({ confirmations });
  gateway = running;
  const invoice = await running.createInvoice('7.25');
  await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: 7_250_000n });
  return { running, invoice };
}

describe('the order of invoice events', () => {
  it('with 1 confirmation: created, payment_detected (already paid), paid — and no processing', async () => {
    const { running, invoice } = await payExactly(1);
    await running.waitFor(() =>
      timeline(running, invoice.id).some((entry) => entry.startsWith('invoice.paid')),
    );
    // Let the chain move on: nothing else may fire for a paid invoice.
    await mine(2);
    await running.waitFor(
      async () =>
        (await cursorBlock(running)) >= Number(await createTestClients().publicClient.getBlockNumber()),
    );
    expect(timeline(running, invoice.id)).toEqual([
      'invoice.created:pending',
      'invoice.payment_detected:paid',
      'invoice.paid:paid',
    ]);
  });

  it('with 3 confirmations: created, payment_detected and processing (processing), then paid', async () => {
    const { running, invoice } = await payExactly(3);
    await running.waitFor(() => timeline(running, invoice.id).length === 3);
    expect(timeline(running, invoice.id)).toEqual([
      'invoice.created:pending',
      'invoice.payment_detected:processing',
      'invoice.processing:processing',
    ]);
    await mine(2);
    await running.waitFor(() => timeline(running, invoice.id).length === 4);
    expect(timeline(running, invoice.id).at(-1)).toBe('invoice.paid:paid');
  });

  it.each([
    ['safe', 32],
    ['finalized', 64],
  ] as const)(
    'with "%s": processing until the tag’s block reaches the payment, %i blocks on, then one paid',
    async (tag, lag) => {
      const { running, invoice } = await payExactly(tag);
      await running.waitFor(() => timeline(running, invoice.id).length === 3);
      await mine(lag - 1);
      await watcherAtHead(running);
      const state = () =>
        running.ctx.store.read(function* () {
          return yield* query(
            'SELECT i.status, t.status AS transfer FROM invoices i JOIN transfers t ON t.invoice_id = i.id WHERE i.id = ?',
          ).get(invoice.id);
        });
      expect(await state()).toEqual({ status: 'processing', transfer: 'detected' });
      await mine(1);
      await running.waitFor(() => timeline(running, invoice.id).length === 4);
      // The tag moves on past the payment: nothing more fires.
      await mine(lag);
      await watcherAtHead(running);
      expect(await state()).toEqual({ status: 'paid', transfer: 'confirmed' });
      expect(timeline(running, invoice.id)).toEqual([
        'invoice.created:pending',
        'invoice.payment_detected:processing',
        'invoice.processing:processing',
        'invoice.paid:paid',
      ]);
      const paidEvents = await running.ctx.store.read(function* () {
        return yield* pluck<number>(
          "SELECT count(*) FROM events WHERE invoice_id = ? AND type = 'invoice.paid'",
        ).get(invoice.id);
      });
      expect(paidEvents).toBe(1);
    },
  );

  it('with 3 confirmations, a partial payment is detected while pending and fires no processing', async () => {
    const running = await startGateway({ confirmations: 3 });
    gateway = running;
    const invoice = await running.createInvoice('10');
    await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: 4_000_000n });
    await mine(3);
    await running.waitFor(() => timeline(running, invoice.id).length === 2);
    await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: 6_000_000n });
    await running.waitFor(() => timeline(running, invoice.id).length === 4);
    await mine(2);
    await running.waitFor(() => timeline(running, invoice.id).length === 5);
    expect(timeline(running, invoice.id)).toEqual([
      'invoice.created:pending',
      'invoice.payment_detected:pending',
      'invoice.payment_detected:processing',
      'invoice.processing:processing',
      'invoice.paid:paid',
    ]);
  });
});
