import { decodeFunctionData, erc20Abi } from 'viem';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKOUT_CSP } from '../../src/checkout/checkout-headers.ts';
import { MAX_STREAMS_PER_INVOICE } from '../../src/checkout/stream-limits.ts';
import { type CheckoutFixture, createCheckoutFixture } from './checkout-fixture.ts';

let fixture: CheckoutFixture;

beforeEach(async () => {
  fixture = await createCheckoutFixture();
});
afterEach(() => fixture.ctx.close());

const UNKNOWN_ID = 'inv_01jzzzzzzzzzzzzzzzzzzzzzzz';

type SseEvent = { event: string; data: string };

/** Reads a streamed SSE response one event at a time (comments skipped); `close` hangs up. */
function openEventStream(response: Response) {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  const parse = (block: string): SseEvent | null => {
    const field = (name: string) =>
      block
        .split('\n')
        .filter((line) => line.startsWith(`${name}: `))
        .map((line) => line.slice(name.length + 2))
        .join('\n');
    return field('event') ? { event: field('event'), data: field('data') } : null;
  };
  return {
    /** The next event, or null when the server ended the stream. */
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const event = parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event) return event;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => reader.cancel(),
  };
}

describe('GET /pay/:id', () => {
  it('renders the page with the strict CSP and security headers', async () => {
    const { invoice } = await fixture.invoice();
    const response = await fixture.app.request(`/pay/${invoice.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(CHECKOUT_CSP);
    expect(CHECKOUT_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).toContain(invoice.depositAddress);
    expect(html).toContain(invoice.token.address);
    expect(html).toContain('25.5');
    expect(html).toContain('Two oolong teas');
    // The merchant's name is text, never markup.
    expect(html).toContain('Teahouse &amp; Co &lt;script&gt;');
    expect(html).not.toContain('<script>');
    // No inline script may run: the only executable script is the served file.
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1]);
    expect(scripts).toEqual([
      expect.stringMatching(/src="\/pay\/assets\/checkout\.js\?v=/),
      ' type="application/json" id="checkout-data"',
    ]);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('order-secret-42');
    expect(html).not.toContain('secret@example.com');
  });

  it('speaks the language the browser asks for, and the one the switcher picks', async () => {
    const { invoice } = await fixture.invoice();
    const page = async (query: string, acceptLanguage?: string) => {
      const headers: Record<string, string> = acceptLanguage ? { 'accept-language': acceptLanguage } : {};
      return (await fixture.app.request(`/pay/${invoice.id}${query}`, { headers })).text();
    };
    expect(await page('', 'zh-CN,zh;q=0.9')).toContain('<html lang="zh-Hans">');
    expect(await page('', 'zh-CN,zh;q=0.9')).toContain('应付金额');
    expect(await page('', 'zh-HK')).toContain('應付金額');
    expect(await page('', 'zh-TW')).toContain('<html lang="zh-Hant">');
    expect(await page('?lang=en', 'zh-TW')).toContain('Amount due');
    expect(await page('?lang=zh-Hant', 'en')).toContain('應付金額');
  });

  it('answers an unknown invoice with a 404 page, in the payer’s language', async () => {
    for (const id of [UNKNOWN_ID, 'not-an-id', 'assets']) {
      const response = await fixture.app.request(`/pay/${id}`, { headers: { 'accept-language': 'zh-CN' } });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toBe(CHECKOUT_CSP);
      expect(await response.text()).toContain('找不到付款页面');
    }
  });
});

describe('GET /pay/:id/status', () => {
  it('shows only what the payer needs', async () => {
    const { invoice } = await fixture.invoice({ returnUrl: 'https://shop.example/orders/1' });
    const response = await fixture.app.request(`/pay/${invoice.id}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(CHECKOUT_CSP);
    const status = await response.json();
    expect(Object.keys(status).sort()).toEqual(
      [
        'amount',
        'amountDue',
        'amountPaid',
        'amountReceived',
        'amountRemaining',
        'chainId',
        'chainName',
        'confirmationsRequired',
        'confirmationsSeen',
        'depositAddress',
        'exception',
        'expiresAt',
        'paidAt',
        'payments',
        'paymentUri',
        'phase',
        'returnUrl',
        'serverTime',
        'status',
        'testnet',
        'token',
        'transaction',
      ].sort(),
    );
    // The way back to the shop is shown only once paid.
    expect(status).toMatchObject({ paidAt: null, returnUrl: null, testnet: false });
    expect(status).toMatchObject({
      status: 'pending',
      amount: '25.5',
      amountDue: '25.5',
      chainName: 'Anvil',
    });
    const text = JSON.stringify(status);
    for (const secret of [
      'order-secret-42',
      'secret@example.com',
      'metadata',
      'orderId',
      fixture.merchantId,
    ]) {
      expect(text).not.toContain(secret);
    }
    const decoded = decodeFunctionData({ abi: erc20Abi, data: status.transaction.data });
    expect(decoded.args).toEqual([invoice.depositAddress, 25_500_000n]);
  });

  it('is a JSON 404 for an unknown invoice', async () => {
    const response = await fixture.app.request(`/pay/${UNKNOWN_ID}/status`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404, code: 'invoice_not_found' });
  });
});

describe('GET /pay/:id/events', () => {
  it('sends the status on connect and again when the invoice row changes', async () => {
    const { invoice } = await fixture.invoice();
    const response = await fixture.app.request(`/pay/${invoice.id}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('content-security-policy')).toBe(CHECKOUT_CSP);
    const stream = openEventStream(response);
    try {
      const first = await stream.next();
      expect(first?.event).toBe('status');
      expect(JSON.parse(first?.data ?? '{}')).toMatchObject({ status: 'pending', phase: 'awaiting_payment' });
      await fixture.setInvoice(invoice.id, { status: 'canceled' });
      const second = await stream.next();
      expect(JSON.parse(second?.data ?? '{}')).toMatchObject({ status: 'canceled', transaction: null });
      // Canceled is final: the server ends the stream.
      expect(await stream.next()).toBeNull();
    } finally {
      await stream.close();
    }
  });

  it('ends the stream after one event when the invoice is already final', async () => {
    const { invoice } = await fixture.invoice();
    await fixture.setInvoice(invoice.id, {
      status: 'paid',
      amount_paid: '25500000',
      amount_detected: '25500000',
    });
    const stream = openEventStream(await fixture.app.request(`/pay/${invoice.id}/events`));
    const first = await stream.next();
    expect(JSON.parse(first?.data ?? '{}')).toMatchObject({
      status: 'paid',
      phase: 'paid',
      transaction: null,
    });
    expect(await stream.next()).toBeNull();
  });

  it('sends expired and ends the stream when the invoice expires, and at once when it already has', async () => {
    const { invoice } = await fixture.invoice();
    const stream = openEventStream(await fixture.app.request(`/pay/${invoice.id}/events`));
    try {
      expect(JSON.parse((await stream.next())?.data ?? '{}')).toMatchObject({ status: 'pending' });
      await fixture.setInvoice(invoice.id, { status: 'expired' });
      expect(JSON.parse((await stream.next())?.data ?? '{}')).toMatchObject({ status: 'expired' });
      expect(await stream.next()).toBeNull();
    } finally {
      await stream.close();
    }
    const again = openEventStream(await fixture.app.request(`/pay/${invoice.id}/events`));
    expect(JSON.parse((await again.next())?.data ?? '{}')).toMatchObject({ status: 'expired' });
    expect(await again.next()).toBeNull();
  });

  it('is a JSON 404 for an unknown invoice', async () => {
    const response = await fixture.app.request(`/pay/${UNKNOWN_ID}/events`);
    expect(response.status).toBe(404);
  });

  it('holds no stream slot for HEAD requests', async () => {
    const { invoice } = await fixture.invoice();
    for (let i = 0; i <= MAX_STREAMS_PER_INVOICE; i++) {
      const head = await fixture.app.request(`/pay/${invoice.id}/events`, { method: 'HEAD' });
      expect(head.status).toBe(200);
    }
    const stream = openEventStream(await fixture.app.request(`/pay/${invoice.id}/events`));
    try {
      expect((await stream.next())?.event).toBe('status');
    } finally {
      await stream.close();
    }
  });

  it('refuses more than MAX_STREAMS_PER_INVOICE open streams with 429 and Retry-After, until one closes', async () => {
    const { invoice } = await fixture.invoice();
    const streams = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_INVOICE; i++) {
        const stream = openEventStream(await fixture.app.request(`/pay/${invoice.id}/events`));
        expect((await stream.next())?.event).toBe('status');
        streams.push(stream);
      }
      const refused = await fixture.app.request(`/pay/${invoice.id}/events`);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(await refused.json()).toMatchObject({ status: 429, code: 'too_many_streams' });
      // HEAD opens no stream, so it neither counts nor is refused.
      expect((await fixture.app.request(`/pay/${invoice.id}/events`, { method: 'HEAD' })).status).toBe(200);
      // Another invoice's payer is not affected.
      const other = openEventStream(
        await fixture.app.request(`/pay/${(await fixture.invoice()).invoice.id}/events`),
      );
      expect((await other.next())?.event).toBe('status');
      streams.push(other);
      // Once a stream ends, its slot is free again.
      await streams.shift()?.close();
      await expect
        .poll(async () => {
          const response = await fixture.app.request(`/pay/${invoice.id}/events`);
          if (response.status === 200) streams.push(openEventStream(response));
          else await response.body?.cancel();
          return response.status;
        })
        .toBe(200);
    } finally {
      await Promise.all(streams.map((stream) => stream.close()));
    }
  });
});

describe('GET /pay/:id/qr.svg and /pay/assets', () => {
  it('renders the QR code of the EIP-681 request as SVG', async () => {
    const { invoice } = await fixture.invoice();
    const response = await fixture.app.request(`/pay/${invoice.id}/qr.svg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it('renders each (invoice, amount due) QR code once, and anew when the amount due changes', async () => {
    const renders = async () => (await fixture.ctx.metrics.checkoutQrRenders.get()).values[0]?.value ?? 0;
    const { invoice } = await fixture.invoice();
    const qr = async () => {
      const response = await fixture.app.request(`/pay/${invoice.id}/qr.svg`);
      expect(response.status).toBe(200);
      return response.text();
    };
    const first = await qr();
    expect(await qr()).toBe(first);
    expect(await renders()).toBe(1);
    await fixture.setTransfer(invoice.id, { amount: 10_000_000n, status: 'confirmed', confirmations: 3 });
    await fixture.setInvoice(invoice.id, { amount_paid: '10000000', amount_detected: '10000000' });
    expect(await (await fixture.app.request(`/pay/${invoice.id}/status`)).json()).toMatchObject({
      amountRemaining: '15.5',
    });
    const partlyPaid = await qr();
    expect(partlyPaid).not.toBe(first);
    expect(await renders()).toBe(2);
    expect(await qr()).toBe(partlyPaid);
    expect(await renders()).toBe(2);
  });

  it('serves the script and stylesheet with long cache headers for the versioned URL', async () => {
    const { invoice } = await fixture.invoice();
    const html = await (await fixture.app.request(`/pay/${invoice.id}`)).text();
    for (const [path, type] of [
      [/src="(\/pay\/assets\/checkout\.js\?v=\w+)"/, 'text/javascript'],
      [/href="(\/pay\/assets\/checkout\.css\?v=\w+)"/, 'text/css'],
    ] as const) {
      const url = path.exec(html)?.[1] ?? '';
      const response = await fixture.app.request(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const stale = await fixture.app.request(url.replace(/\?v=\w+/, '?v=old'));
      expect(stale.headers.get('cache-control')).toBe('no-cache');
    }
    expect((await fixture.app.request('/pay/assets/nope.js')).status).toBe(404);
  });
});
