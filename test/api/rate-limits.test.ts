import { afterEach, describe, expect, it } from 'vitest';
import type { Limits } from '../../src/config/env.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import {
  addMerchant,
  createManualClock,
  createTestContext,
  GENEROUS_LIMITS,
  type TestContext,
} from '../fixtures/context.ts';

const allowAll = async (url: string) => ({ ok: true as const, url });

let ctx: TestContext | undefined;
afterEach(() => ctx?.close());

/** The app with some limits made small, a clock the test moves, and two merchants' keys. */
async function setup(limits: Partial<Limits>) {
  const clock = createManualClock();
  ctx = await createTestContext({ clock, config: { limits: { ...GENEROUS_LIMITS, ...limits } } });
  const app = createApi(ctx, { checkWebhookUrl: allowAll });
  const apiKey = (await addMerchant(ctx, 'Shop', 0)).apiKey;
  const otherKey = (await addMerchant(ctx, 'Other', 1)).apiKey;
  const call = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
    app.request(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.key ?? apiKey}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const createInvoice = (key = apiKey) =>
    call('/v1/invoices', { body: { amount: '10', currency: 'USDC', chainId: 31337 }, key });
  return { clock, call, createInvoice, apiKey, otherKey };
}

async function expectRateLimited(response: Response, retryAfterS: number) {
  expect(response.status).toBe(429);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.headers.get('retry-after')).toBe(String(retryAfterS));
  expect(await response.json()).toMatchObject({
    status: 429,
    code: 'rate_limited',
    type: '/docs#error-rate_limited',
  });
}

describe('write rate limit per API key', () => {
  it('answers 429 with Retry-After past the burst, for every write method, and recovers with time', async () => {
    const { clock, call, createInvoice, otherKey } = await setup({ writes: { perMinute: 6, burst: 3 } });
    expect((await createInvoice()).status).toBe(201);
    const endpoint = await (
      await call('/v1/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/h' } })
    ).json();
    expect((await call(`/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE' })).status).toBe(200);
    await expectRateLimited(await createInvoice(), 10);
    await expectRateLimited(
      await call('/v1/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/h' } }),
      10,
    );
    // Reads are not limited, nor is another key.
    expect((await call('/v1/invoices')).status).toBe(200);
    expect((await createInvoice(otherKey)).status).toBe(201);
    clock.advance(4_000);
    await expectRateLimited(await createInvoice(), 6);
    clock.advance(6_000);
    expect((await createInvoice()).status).toBe(201);
  });

  it('spends no token on a request without a valid key', async () => {
    const { createInvoice } = await setup({ writes: { perMinute: 1, burst: 1 } });
    for (let i = 0; i < 3; i++) expect((await createInvoice('sk_unknown')).status).toBe(401);
    expect((await createInvoice()).status).toBe(201);
  });
});

describe('redelivery rate limit per API key', () => {
  it('limits POST /v1/events/:id/redeliver on its own bucket, leaving other writes alone', async () => {
    const { clock, call, createInvoice } = await setup({ redeliveries: { perMinute: 2, burst: 1 } });
    const invoice = await (await createInvoice()).json();
    const events = await (await call(`/v1/events?invoiceId=${invoice.id}`)).json();
    const redeliver = () => call(`/v1/events/${events.data[0].id}/redeliver`, { method: 'POST' });
    expect((await redeliver()).status).toBe(202);
    await expectRateLimited(await redeliver(), 30);
    expect((await createInvoice()).status).toBe(201);
    clock.advance(30_000);
    expect((await redeliver()).status).toBe(202);
  });
});

describe('webhook endpoints per merchant', () => {
  it('refuses an endpoint past the limit with 409 webhook_endpoint_limit, not counting deleted ones', async () => {
    const { call, otherKey } = await setup({ webhookEndpointsPerMerchant: 2 });
    const create = (key?: string) =>
      call('/v1/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/hook' }, ...(key ? { key } : {}) });
    const first = await (await create()).json();
    expect((await create()).status).toBe(201);
    const refused = await create();
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 409, code: 'webhook_endpoint_limit' });
    expect((await (await call('/v1/webhook-endpoints')).json()).data).toHaveLength(2);
    // Another merchant has its own allowance.
    expect((await create(otherKey)).status).toBe(201);
    expect((await call(`/v1/webhook-endpoints/${first.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(409);
  });
});
