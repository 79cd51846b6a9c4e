import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Limits } from '../../src/config/env.ts';
import { createManualClock, GENEROUS_LIMITS } from '../fixtures/context.ts';
import { type CheckoutFixture, createCheckoutFixture } from './checkout-fixture.ts';

/** Addresses from the documentation ranges (RFC 5737): only ever header text here, never dialled. */
const PAYER_A = '203.0.113.10';
const PAYER_B = '203.0.113.20';
const SPOOFED = '192.0.2.66';

let fixture: CheckoutFixture | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await fixture?.ctx.close();
  fixture = undefined;
});

/**
 * The checkout on a real HTTP server on 127.0.0.1, so the client address comes from the socket;
 * the clock stands still, so buckets refill only when a test says so.
 */
async function startCheckout(limits: Partial<Limits>, trustProxyHops = 0) {
  const started = await createCheckoutFixture({
    config: { limits: { ...GENEROUS_LIMITS, ...limits }, trustProxyHops },
    clock: createManualClock(),
  });
  fixture = started;
  const listening = await new Promise<Server>((resolve) => {
    const created = serve({ fetch: started.app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(created as Server),
    );
  });
  server = listening;
  const baseUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  const get = (path: string, forwardedFor?: string) =>
    fetch(`${baseUrl}${path}`, forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {});
  return { fixture: started, get };
}

async function expectRefused(response: Response, code: string, retryAfter: string) {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.headers.get('retry-after')).toBe(retryAfter);
  expect(await response.json()).toMatchObject({ status: 429, code });
}

describe('rate limit per client address on /pay/*', () => {
  it('limits every payer route by the socket address, ignoring X-Forwarded-For when no proxy is trusted', async () => {
    const { fixture, get } = await startCheckout({ pay: { perMinute: 6, burst: 4 } });
    const { invoice } = await fixture.invoice();
    expect((await get(`/pay/${invoice.id}`)).status).toBe(200);
    expect((await get(`/pay/${invoice.id}/status`)).status).toBe(200);
    expect((await get(`/pay/${invoice.id}/qr.svg`)).status).toBe(200);
    const stream = await get(`/pay/${invoice.id}/events`);
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
    await expectRefused(await get(`/pay/${invoice.id}/status`), 'rate_limited', '10');
    // A forged header does not buy a fresh bucket.
    await expectRefused(await get(`/pay/${invoice.id}/status`, PAYER_B), 'rate_limited', '10');
    await expectRefused(await get(`/pay/${invoice.id}`), 'rate_limited', '10');
    // The static script and stylesheet are not limited.
    const html = await (await fixture.app.request(`/pay/${invoice.id}`)).text();
    const script = /src="(\/pay\/assets\/checkout\.js\?v=\w+)"/.exec(html)?.[1] ?? '';
    expect((await get(script)).status).toBe(200);
  });

  it('behind a trusted proxy, limits by the right-most X-Forwarded-For entry', async () => {
    const { fixture, get } = await startCheckout({ pay: { perMinute: 6, burst: 2 } }, 1);
    const status = `/pay/${(await fixture.invoice()).invoice.id}/status`;
    expect((await get(status, PAYER_A)).status).toBe(200);
    expect((await get(status, `${SPOOFED}, ${PAYER_A}`)).status).toBe(200);
    // What the client wrote left of the proxy's entry changes nothing.
    await expectRefused(await get(status, `${PAYER_B}, ${PAYER_A}`), 'rate_limited', '10');
    expect((await get(status, PAYER_B)).status).toBe(200);
  });
});

describe('status streams per client address', () => {
  it('refuses a client more open streams than its cap, across invoices, while others still get theirs', async () => {
    const { fixture, get } = await startCheckout(
      { streams: { total: 100, perInvoice: 100, perClient: 2 } },
      1,
    );
    const ids: string[] = [];
    for (let n = 0; n < 3; n += 1) ids.push((await fixture.invoice()).invoice.id);
    const open = [await get(`/pay/${ids[0]}/events`, PAYER_A), await get(`/pay/${ids[1]}/events`, PAYER_A)];
    try {
      expect(open.map((response) => response.status)).toEqual([200, 200]);
      await expectRefused(await get(`/pay/${ids[2]}/events`, PAYER_A), 'too_many_streams', '30');
      const other = await get(`/pay/${ids[2]}/events`, PAYER_B);
      open.push(other);
      expect(other.status).toBe(200);
    } finally {
      await Promise.all(open.map((response) => response.body?.cancel()));
    }
  });
});
