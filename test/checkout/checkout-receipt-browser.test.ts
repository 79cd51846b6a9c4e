import { describe, expect, it } from 'vitest';
import { textOf, UI_TIMEOUT_MS, useCheckoutBrowser, waitForText } from './browser-harness.ts';

/**
 * The receipt and the closed states on a devnet chain: `testnet` set, as
 * `stablegate dev` writes it, and a loopback explorer (never opened: only its links are checked).
 */
const EXPLORER = 'http://127.0.0.1:9/explorer';
const harness = useCheckoutBrowser({ chain: { testnet: true, explorerUrl: EXPLORER } });
const TX = `0x${'ab'.repeat(32)}`;

/** The first visible element of the card: what the page leads with. */
const firstVisible = (page: Awaited<ReturnType<typeof harness.openPage>>) =>
  page.evaluate(() => {
    const card = document.getElementById('checkout');
    const first = [...(card?.children ?? [])].find((child) => (child as HTMLElement).offsetParent !== null);
    return first?.id ?? '';
  });

async function markPaid(id: string) {
  await harness.fixture.setTransfer(id, { amount: 25_500_000n, status: 'confirmed', confirmations: 2 });
  await harness.fixture.setInvoice(id, {
    status: 'paid',
    amount_paid: '25500000',
    amount_detected: '25500000',
    paid_at: '2026-01-01T12:34:00.000Z',
  });
}

describe('the checkout receipt in Chromium', () => {
  it('leads a paid invoice with a tick, the amount, the time, explorer links and the Back button', async () => {
    const { invoice } = await harness.fixture.invoice({ returnUrl: 'https://shop.example/orders/42' });
    await markPaid(invoice.id);
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await firstVisible(page)).toBe('receipt');
    expect(await page.locator('#receipt .tick').isVisible()).toBe(true);
    expect(await textOf(page, '#receipt-title')).toBe('Paid 25.5 USDC');
    expect(await textOf(page, '#paid-at')).toBe('Paid on 1 Jan 2026, 12:34 UTC');
    expect(await page.locator('#due-row').isHidden()).toBe(true);
    const back = page.getByRole('link', { name: 'Back to Teahouse' });
    expect(await back.getAttribute('href')).toBe('https://shop.example/orders/42');
    expect(await page.locator('#payment-list a.tx').getAttribute('href')).toBe(`${EXPLORER}/tx/${TX}`);
    expect(await textOf(page, '#testnet-badge')).toBe('Test network: payments here are not real money');
  });

  it('turns into the receipt live when the invoice is paid while open, in Chinese too', async () => {
    const { invoice } = await harness.fixture.invoice({ returnUrl: 'https://shop.example/orders/43' });
    const page = await harness.openPage('zh-CN');
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await page.locator('#receipt').isHidden()).toBe(true);
    expect(await textOf(page, '#testnet-badge')).toBe('测试网络：此处的付款不是真实资金');
    await markPaid(invoice.id);
    await waitForText(page, '#receipt-title', '已付款 25.5 USDC');
    expect(await firstVisible(page)).toBe('receipt');
    await page.getByRole('link', { name: '返回 Teahouse' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await textOf(page, '#paid-at')).toMatch(/^付款时间：2026.*12:34 UTC$/);
    expect(await page.locator('#payment-list a.tx').getAttribute('href')).toBe(`${EXPLORER}/tx/${TX}`);
    expect(await page.locator('#due-row').isHidden()).toBe(true);
  });

  it('shows no Back button without a returnUrl', async () => {
    const { invoice } = await harness.fixture.invoice();
    await markPaid(invoice.id);
    const page = await harness.openPage('zh-TW');
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await textOf(page, '#receipt-title')).toBe('已付款 25.5 USDC');
    expect(await page.locator('#return-link').isHidden()).toBe(true);
  });

  it('leads an expired invoice with "Expired", not an amount due', async () => {
    const { invoice } = await harness.fixture.invoice({ returnUrl: 'https://shop.example/orders/44' });
    await harness.fixture.setInvoice(invoice.id, { status: 'expired', expired_at: new Date().toISOString() });
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await firstVisible(page)).toBe('lead');
    expect(await textOf(page, '#lead')).toBe('Expired');
    expect(await page.locator('#due-row').isHidden()).toBe(true);
    expect(await page.locator('#pay').isHidden()).toBe(true);
    expect(await page.locator('#return-link').isHidden()).toBe(true);
  });
});
