import { describe, expect, it } from 'vitest';
import { textOf, useCheckoutBrowser, waitForText } from './browser-harness.ts';

/**
 * A chain that confirms by its `finalized` block has no "n of N" to show: the page, served and
 * live (checkout.js), says it waits for finality with the blocks seen so far.
 */
const harness = useCheckoutBrowser({ chain: { confirmations: 'finalized' } });

describe('the checkout page on a chain that confirms by a block tag', () => {
  it('waits for finality, counting the blocks seen, live and after a reload', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await harness.fixture.setTransfer(invoice.id, {
      amount: 25_500_000n,
      status: 'detected',
      confirmations: 40,
    });
    await harness.fixture.setInvoice(invoice.id, { status: 'processing', amount_detected: '25500000' });
    await waitForText(
      page,
      '#status',
      'Payment detected: waiting for network finality (40 confirmations so far).',
    );
    await waitForText(page, '#payment-list', '25.5 USDC: 40 confirmations, waiting for finality');
    await harness.fixture.setTransfer(invoice.id, {
      amount: 25_500_000n,
      status: 'detected',
      confirmations: 41,
    });
    await waitForText(page, '#status', '(41 confirmations so far)');

    // Served by the server in Traditional Chinese, the same words checkout.js would render.
    const traditional = await harness.openPage('zh-TW');
    await traditional.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await textOf(traditional, '#status')).toBe('已偵測到付款：等待網路最終確認（目前 41 個確認）。');

    await harness.fixture.setTransfer(invoice.id, {
      amount: 25_500_000n,
      status: 'confirmed',
      confirmations: 65,
    });
    await harness.fixture.setInvoice(invoice.id, {
      status: 'paid',
      amount_paid: '25500000',
      paid_at: new Date().toISOString(),
    });
    await waitForText(traditional, '#status', '付款成功');
  });
});
