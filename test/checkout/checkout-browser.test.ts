import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, decodeFunctionData, erc20Abi, type Hex, http } from 'viem';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { getAnvilAccounts } from '../../src/devnet/anvil-accounts.ts';
import { revertSnapshot, takeSnapshot } from '../fixtures/chain.ts';
import { textOf, UI_TIMEOUT_MS, useCheckoutBrowser, waitForText } from './browser-harness.ts';
import { installFakeWallet } from './fake-wallet.ts';

const SCREENSHOT = join(process.cwd(), 'test-results', 'checkout.png');

const harness = useCheckoutBrowser();

describe('the checkout page in Chromium', () => {
  it('renders the amount, network, addresses and QR code', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage();
    const response = await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(response?.status()).toBe(200);
    await page.locator('[data-copy="deposit-address"]').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
    expect(await textOf(page, '#merchant')).toBe('Teahouse');
    expect(await textOf(page, '.amount')).toBe('25.5 USDC');
    expect(await textOf(page, '#deposit-address')).toBe(invoice.depositAddress);
    expect(await textOf(page, '#token-address')).toBe(invoice.token.address);
    expect(await textOf(page, '#status')).toBe('Waiting for your payment.');
    // Not a testnet chain: no badge, and nothing leads before the amount due.
    expect(await page.locator('#testnet-badge').count()).toBe(0);
    expect(await page.locator('#receipt').isHidden()).toBe(true);
    expect(await textOf(page, '#countdown')).toMatch(/^(59:[0-5]\d|1:00:00)$/);
    // The QR image loaded from the gateway and is a real picture.
    await page.waitForFunction(() => {
      const image = document.getElementById('qr') as HTMLImageElement | null;
      return image?.complete === true && image.naturalWidth > 0;
    });
    // Without a browser wallet the button stays hidden; the wallet link is always there.
    expect(await page.locator('#pay-with-wallet').isHidden()).toBe(true);
    expect(await page.locator('#open-wallet').getAttribute('href')).toBe(
      `ethereum:${invoice.token.address}@${invoice.chainId}/transfer?address=${invoice.depositAddress}&uint256=25500000`,
    );
    mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // Keyboard: Tab reaches the language switcher first, then every copy button in order.
    const focusOrder: string[] = [];
    for (let stop = 0; stop < 6; stop++) {
      await page.keyboard.press('Tab');
      focusOrder.push(await page.evaluate(() => document.activeElement?.textContent ?? ''));
    }
    expect(focusOrder).toEqual(['English', '简体中文', '繁體中文', 'Copy', 'Copy', 'Copy']);
    // A phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({
      path: join(process.cwd(), 'test-results', 'checkout-mobile.png'),
      fullPage: true,
    });
  });

  it('speaks Simplified Chinese to zh-CN and Traditional Chinese to zh-TW, and switches on request', async () => {
    const { invoice } = await harness.fixture.invoice();
    const simplified = await harness.openPage('zh-CN');
    await simplified.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await simplified.getAttribute('html', 'lang')).toBe('zh-Hans');
    expect(await textOf(simplified, '#status')).toBe('等待您付款。');
    expect(await textOf(simplified, '.facts')).toContain('应付金额');
    await simplified.screenshot({ path: join(process.cwd(), 'test-results', 'checkout-zh-Hans.png') });

    const traditional = await harness.openPage('zh-TW');
    await traditional.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await traditional.getAttribute('html', 'lang')).toBe('zh-Hant');
    expect(await textOf(traditional, '.facts')).toContain('應付金額');
    expect(await textOf(traditional, '#pay')).toContain('請轉帳到此地址');
    await traditional.getByRole('link', { name: 'English' }).click();
    await traditional.waitForURL(/\?lang=en$/);
    expect(await textOf(traditional, '.facts')).toContain('Amount due');
  });

  it('follows the invoice live, without a reload, from waiting to detected to paid', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage();
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = 'same document';
    });

    await harness.fixture.setTransfer(invoice.id, {
      amount: 25_500_000n,
      status: 'detected',
      confirmations: 1,
    });
    await harness.fixture.setInvoice(invoice.id, { status: 'processing', amount_detected: '25500000' });
    await waitForText(page, '#status', 'Payment detected: 1 of 2 confirmations.');
    await waitForText(page, '#payment-list', '25.5 USDC: 1 of 2 confirmations');
    expect(await page.locator('#pay').isHidden()).toBe(true);

    await harness.fixture.setTransfer(invoice.id, {
      amount: 25_500_000n,
      status: 'confirmed',
      confirmations: 2,
    });
    await harness.fixture.setInvoice(invoice.id, {
      status: 'paid',
      amount_paid: '25500000',
      paid_at: new Date().toISOString(),
    });
    await waitForText(page, '#status', 'Paid. Thank you!');
    expect(await page.getAttribute('#status', 'data-phase')).toBe('paid');
    expect(await page.locator('#countdown-row').isHidden()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe(
      'same document',
    );
    expect(navigations).toBe(1);
    // Live over SSE: one stream, and no fallback polling of the JSON route.
    expect(harness.requested.filter((path) => path.endsWith('/events'))).toHaveLength(1);
    expect(harness.requested.filter((path) => path.endsWith('/status'))).toEqual([]);
  });

  it('asks for the rest of an underpaid invoice with a fresh QR code', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    expect(await page.getAttribute('#qr', 'src')).toMatch(/\?due=25\.5$/);
    await harness.fixture.setTransfer(invoice.id, {
      amount: 10_000_000n,
      status: 'confirmed',
      confirmations: 2,
    });
    await harness.fixture.setInvoice(invoice.id, {
      status: 'expired',
      exception: 'underpaid',
      amount_paid: '10000000',
      amount_detected: '10000000',
    });
    await waitForText(page, '#status', '10 USDC received, 15.5 USDC still due');
    expect(await textOf(page, '#amount-remaining')).toBe('15.5');
    expect(await page.getAttribute('#qr', 'src')).toMatch(/\?due=15\.5$/);
    await page.waitForFunction(() => (document.getElementById('qr') as HTMLImageElement).complete);
    expect(await page.getAttribute('#open-wallet', 'href')).toMatch(/uint256=15500000$/);
  });

  it('follows an expired invoice by polling once its stream ends, and shows a late payment', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage();
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    const polled = page.waitForRequest((request) => request.url().endsWith(`/pay/${invoice.id}/status`));
    await harness.fixture.setInvoice(invoice.id, { status: 'expired' });
    await waitForText(page, '#status', 'This invoice has expired. Do not send a payment.');
    await polled;
    await harness.fixture.setTransfer(invoice.id, {
      amount: 25_500_000n,
      status: 'confirmed',
      confirmations: 2,
    });
    await harness.fixture.setInvoice(invoice.id, {
      status: 'paid',
      exception: 'paid_late',
      amount_paid: '25500000',
      amount_detected: '25500000',
      paid_at: new Date().toISOString(),
    });
    await waitForText(page, '#status', 'Paid, after the invoice had expired. Thank you!');
    // The server ended the stream; the page did not reopen it.
    expect(harness.requested.filter((path) => path.endsWith('/events'))).toHaveLength(1);
  });

  it('shows the canceled state live', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage('zh-TW');
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await harness.fixture.setInvoice(invoice.id, {
      status: 'canceled',
      canceled_at: new Date().toISOString(),
    });
    await waitForText(page, '#status', '此帳單已取消，請勿付款。');
    expect(await page.locator('#pay').isHidden()).toBe(true);
  });
  it('stops asking for money when the countdown reaches zero', async () => {
    const page = await harness.openPage();
    const { invoice } = await harness.fixture.invoice({ expiresInSeconds: 4 });
    const response = await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    // Served while still open, so what follows is the page's own countdown at work, not the server.
    expect(await response?.text()).toContain('data-phase="awaiting_payment"');
    await waitForText(page, '#status', 'This invoice has expired. Do not send a payment.');
    expect(await page.locator('#pay').isHidden()).toBe(true);
    expect(await page.locator('#countdown-row').isHidden()).toBe(true);
  });

  it('falls back to polling the status JSON where there is no EventSource', async () => {
    const { invoice } = await harness.fixture.invoice();
    const page = await harness.openPage();
    await page.addInitScript(() => {
      Reflect.deleteProperty(window, 'EventSource');
    });
    const polled = page.waitForRequest((request) => request.url().endsWith(`/pay/${invoice.id}/status`));
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await polled;
    await harness.fixture.setInvoice(invoice.id, {
      status: 'canceled',
      canceled_at: new Date().toISOString(),
    });
    await waitForText(page, '#status', 'This invoice was canceled.');
  });
});

describe('Pay with browser wallet', () => {
  // Only these tests touch the chain, so only they snapshot it (revertSnapshot also resets the clock).
  let snapshot: Hex | undefined;
  beforeEach(async () => {
    snapshot = await takeSnapshot();
  });
  afterEach(async () => {
    if (snapshot === undefined) return;
    await revertSnapshot(snapshot);
    snapshot = undefined;
  });

  it('switches the wallet to the chain, adding it on 4902, and sends the ERC-20 transfer', async () => {
    const { invoice } = await harness.fixture.invoice();
    const payer = inject('payers')[0];
    if (!payer) throw new Error('no payer provided');
    const page = await harness.openPage();
    const wallet = await installFakeWallet(page, { rpcUrl: inject('rpcUrl'), account: payer.address });
    const client = createPublicClient({ transport: http(inject('rpcUrl')) });
    const balanceOf = () =>
      client.readContract({
        address: invoice.token.address,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [invoice.depositAddress],
      });
    const before = await balanceOf();

    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await page.getByRole('button', { name: 'Pay with browser wallet' }).click();
    await waitForText(page, '#wallet-message', 'Transaction sent');

    const methods = wallet.calls.map((call) => call.method);
    expect(methods).toEqual([
      'eth_requestAccounts',
      'eth_chainId',
      'wallet_switchEthereumChain',
      'wallet_addEthereumChain',
      'eth_chainId',
      'wallet_switchEthereumChain',
      'eth_chainId',
      'eth_call',
      'eth_sendTransaction',
    ]);
    const chainIdHex = `0x${inject('chainId').toString(16)}`;
    expect(wallet.calls[2]?.params).toEqual([{ chainId: chainIdHex }]);
    expect(wallet.calls[3]?.params).toEqual([
      expect.objectContaining({ chainId: chainIdHex, chainName: 'Anvil', rpcUrls: [inject('rpcUrl')] }),
    ]);
    const sent = wallet.calls.at(-1)?.params[0] as { from: string; to: string; data: `0x${string}` };
    expect(sent.from).toBe(payer.address);
    expect(sent.to).toBe(invoice.token.address);
    expect(decodeFunctionData({ abi: erc20Abi, data: sent.data })).toEqual({
      functionName: 'transfer',
      args: [invoice.depositAddress, 25_500_000n],
    });
    // Anvil mined it: the deposit address holds the amount due.
    await expect.poll(balanceOf, { timeout: UI_TIMEOUT_MS }).toBe(before + 25_500_000n);
  });

  it('says so when the payer rejects the transaction', async () => {
    const { invoice } = await harness.fixture.invoice();
    const payer = inject('payers')[0];
    if (!payer) throw new Error('no payer provided');
    const page = await harness.openPage();
    const chainIdHex = `0x${inject('chainId').toString(16)}` as const;
    await installFakeWallet(page, {
      rpcUrl: inject('rpcUrl'),
      account: payer.address,
      startChainId: chainIdHex,
      rejectTransactions: true,
    });
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await page.getByRole('button', { name: 'Pay with browser wallet' }).click();
    await waitForText(page, '#wallet-message', 'You declined the request in your wallet. Nothing was sent.');
  });

  it('says so when the wallet holds too little of the token', async () => {
    const { invoice } = await harness.fixture.invoice();
    // Anvil's account 9 has ETH but none of our stablecoins (payers are accounts 1 to 4).
    const [poor] = getAnvilAccounts({ count: 1, from: 9 });
    if (!poor) throw new Error('no account');
    const page = await harness.openPage('zh-CN');
    const chainIdHex = `0x${inject('chainId').toString(16)}` as const;
    const wallet = await installFakeWallet(page, {
      rpcUrl: inject('rpcUrl'),
      account: poor.address,
      startChainId: chainIdHex,
    });
    await page.goto(`${harness.baseUrl}/pay/${invoice.id}`);
    await page.getByRole('button', { name: '使用浏览器钱包付款' }).click();
    await waitForText(page, '#wallet-message', 'USDC 余额不足：此钱包持有 0 USDC，应付 25.5 USDC。');
    expect(wallet.calls.map((call) => call.method)).not.toContain('eth_sendTransaction');
  });
});
