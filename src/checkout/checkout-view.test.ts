import { describe, expect, it } from 'vitest';
import { type CheckoutStatus, toCheckoutStatus } from './checkout-status.ts';
import { formatCountdown, toCheckoutView, toScriptJson } from './checkout-view.ts';

const status: CheckoutStatus = toCheckoutStatus(
  {
    invoice: {
      id: 'inv_01jzzzzzzzzzzzzzzzzzzzzzzz',
      merchantId: 'mch_x',
      status: 'pending',
      exception: null,
      chainId: 31337,
      token: { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 },
      amount: 25_500_000n,
      amountPaid: 0n,
      amountDetected: 0n,
      addressIndex: 0,
      depositAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      depositMode: 'xpub',
      forwarder: null,
      watchFromBlock: null,
      orderId: null,
      description: null,
      metadata: {},
      returnUrl: null,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      expiresAt: new Date('2026-01-01T01:00:00Z'),
      paidAt: null,
      expiredAt: null,
      canceledAt: null,
    },
    transfers: [],
  },
  { chainId: 31337, name: 'Anvil', confirmations: 2 },
  new Date('2026-01-01T00:00:30Z'),
);

const view = (language: 'en' | 'zh-Hans' | 'zh-Hant', overrides: Partial<CheckoutStatus> = {}) =>
  toCheckoutView({
    invoiceId: 'inv_01jzzzzzzzzzzzzzzzzzzzzzzz',
    merchantName: 'Tea </script><script>alert(1)</script>',
    description: 'Oolong',
    status: { ...status, ...overrides },
    language,
    addChain: null,
    assets: { script: '/pay/assets/checkout.js?v=1', style: '/pay/assets/checkout.css?v=1' },
  });

describe('formatCountdown', () => {
  it('prints mm:ss, h:mm:ss and days, never negative', () => {
    expect(formatCountdown(59_999, 'en')).toBe('00:59');
    expect(formatCountdown(3_599_000, 'en')).toBe('59:59');
    expect(formatCountdown(3_600_000, 'en')).toBe('1:00:00');
    expect(formatCountdown(90_061_000, 'en')).toBe('1 d 01:01:01');
    expect(formatCountdown(90_061_000, 'zh-Hant')).toBe('1 天 01:01:01');
    expect(formatCountdown(-5000, 'en')).toBe('00:00');
  });
});

describe('toCheckoutView', () => {
  it('decides every printed string in the chosen language', () => {
    expect(view('en')).toMatchObject({
      title: 'Pay Tea </script><script>alert(1)</script>',
      statusLine: 'Waiting for your payment.',
      countdown: { text: '59:30', datetime: '2026-01-01T01:00:00.000Z' },
      payable: true,
    });
    expect(view('zh-Hans').statusLine).toBe('等待您付款。');
    expect(view('zh-Hant').qrAlt).toContain('付款請求 QR 碼');
  });

  it('says how many confirmations a detected payment has', () => {
    const confirming = view('en', { phase: 'confirming', confirmationsSeen: 1 });
    expect(confirming.statusLine).toBe('Payment detected: 1 of 2 confirmations.');
    expect(view('zh-Hans', { phase: 'confirming', confirmationsSeen: 1 }).statusLine).toBe(
      '已检测到付款：1/2 个确认。',
    );
  });

  it('on a chain that confirms by a block tag, says it waits for finality instead of inventing an N', () => {
    const payment = {
      txHash: `0x${'ab'.repeat(32)}` as const,
      amount: '25.5',
      confirmations: 40,
      status: 'detected' as const,
      explorerUrl: null,
    };
    const overrides = {
      phase: 'confirming' as const,
      confirmationsRequired: 'finalized' as const,
      confirmationsSeen: 40,
      payments: [payment],
    };
    expect(view('en', overrides)).toMatchObject({
      statusLine: 'Payment detected: waiting for network finality (40 confirmations so far).',
      paymentLines: [{ text: '25.5 USDC: 40 confirmations, waiting for finality' }],
    });
    expect(view('zh-Hans', overrides).statusLine).toBe('已检测到付款：等待网络最终确认（目前 40 个确认）。');
    expect(view('zh-Hant', overrides).paymentLines[0]?.text).toBe('25.5 USDC：40 個確認，等待最終確認');
    const confirmed = view('en', { ...overrides, payments: [{ ...payment, status: 'confirmed' }] });
    expect(confirmed.paymentLines[0]?.text).toBe('25.5 USDC: confirmed');
  });

  it('drops the countdown and the payment section once paid', () => {
    const paid = view('en', { status: 'paid', phase: 'paid', transaction: null });
    expect(paid).toMatchObject({ countdown: null, payable: false, statusLine: 'Paid. Thank you!' });
  });

  it('links every language, marking the current one', () => {
    expect(view('zh-Hant').languageLinks).toEqual([
      {
        language: 'en',
        name: 'English',
        href: '/pay/inv_01jzzzzzzzzzzzzzzzzzzzzzzz?lang=en',
        current: false,
      },
      {
        language: 'zh-Hans',
        name: '简体中文',
        href: '/pay/inv_01jzzzzzzzzzzzzzzzzzzzzzzz?lang=zh-Hans',
        current: false,
      },
      {
        language: 'zh-Hant',
        name: '繁體中文',
        href: '/pay/inv_01jzzzzzzzzzzzzzzzzzzzzzzz?lang=zh-Hant',
        current: true,
      },
    ]);
  });

  it('embeds client data that cannot close its script element', () => {
    const { clientData } = view('en');
    expect(clientData).not.toContain('<');
    expect(JSON.parse(clientData)).toMatchObject({
      language: 'en',
      merchant: 'Tea </script><script>alert(1)</script>',
      urls: { events: '/pay/inv_01jzzzzzzzzzzzzzzzzzzzzzzz/events' },
    });
    expect(toScriptJson({ a: '<!--' })).toBe('{"a":"\\u003c!--"}');
  });
});
