import type { Address } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { forwarderAddress, forwarderSalt } from '../../src/domain/forwarder-address.ts';
import { loadInvoice } from '../../src/store/invoices.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type Gateway, startGateway } from '../fixtures/gateway.ts';

withSnapshot();

const PAYOUT: Address = '0x000000000000000000000000000000000000bEEF';
const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[1]?.address as Address;

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.stop();
});

/**
 * The acceptance flow of test/settle/payments.test.ts on forwarder deposit addresses: the watcher
 * and settlement only watch addresses, so a forwarder address that has never been deployed is paid,
 * confirmed and announced exactly as an xpub child address is.
 */
describe('forwarder deposit addresses', () => {
  it('gives invoice i the forwarder of (payout, salt(merchant, i)) and takes it to paid with the same events', async () => {
    const started = await startGateway({ confirmations: 2, payout: PAYOUT });
    gateway = started;
    const first = await started.createInvoice('25.5');
    const second = await started.createInvoice('1');
    const { merchantId } = started;
    expect(first.depositAddress).toBe(forwarderAddress(PAYOUT, forwarderSalt(merchantId, 0)));
    expect(second.depositAddress).toBe(forwarderAddress(PAYOUT, forwarderSalt(merchantId, 1)));
    expect((await started.ctx.store.read(loadInvoice, first.id))?.invoice).toMatchObject({
      depositMode: 'forwarder',
      forwarder: { payout: PAYOUT, salt: forwarderSalt(merchantId, 0) },
    });

    await sendToken({ token: usdc(), from: payer(), to: first.depositAddress, amount: 25_500_000n });
    const types = () =>
      started
        .webhooks()
        .filter((event) => event.data.invoice.id === first.id)
        .map((event) => event.type);
    await started.waitFor(() => types().includes('invoice.processing'));
    await mine(1);
    await started.waitFor(() => types().includes('invoice.paid'));
    expect(types()).toEqual([
      'invoice.created',
      'invoice.payment_detected',
      'invoice.processing',
      'invoice.paid',
    ]);
    const paid = started.webhooks().find((event) => event.type === 'invoice.paid');
    expect(paid?.data.invoice).toMatchObject({
      depositMode: 'forwarder',
      status: 'paid',
      amountPaid: '25.5',
    });
  });
});
