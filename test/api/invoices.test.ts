import { mnemonicToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { addMerchant, createTestContext, TEST_MNEMONIC, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext;
let app: ReturnType<typeof createApi>;
let apiKey: string;

const allowAll = async (url: string) => ({ ok: true as const, url });

function call(
  path: string,
  init: { method?: string; body?: unknown; key?: string | null; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? apiKey}`;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  return app.request(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
}

const validInvoice = { amount: '25.5', currency: 'USDC', chainId: 31337 };

const countInvoices = () =>
  ctx.store.read(function* () {
    return yield* pluck<number>('SELECT count(*) FROM invoices').get();
  });

beforeEach(async () => {
  ctx = await createTestContext();
  app = createApi(ctx, { checkWebhookUrl: allowAll });
  apiKey = (await addMerchant(ctx)).apiKey;
});
afterEach(() => ctx.close());

describe('POST /v1/invoices', () => {
  it('creates an invoice with an exact amount, a derived deposit address and an EIP-681 URI', async () => {
    const response = await call('/v1/invoices', {
      body: { ...validInvoice, orderId: 'o-1', metadata: { sku: 'A1' } },
    });
    expect(response.status).toBe(201);
    const invoice = await response.json();
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'pending',
      exception: null,
      amount: '25.5',
      amountPaid: '0',
      amountDue: '25.5',
      currency: 'USDC',
      chainId: 31337,
      token: { symbol: 'USDC', decimals: 6 },
      orderId: 'o-1',
      metadata: { sku: 'A1' },
      payments: [],
      paidAt: null,
    });
    expect(invoice.id).toMatch(/^inv_[0-9a-z]{26}$/);
    expect(invoice.depositAddress).toBe(
      mnemonicToAccount(TEST_MNEMONIC, { path: "m/44'/60'/1'/0/0" }).address,
    );
    expect(invoice.paymentUri).toBe(
      `ethereum:${invoice.token.address}@31337/transfer?address=${invoice.depositAddress}&uint256=25500000`,
    );
    expect(invoice.checkoutUrl).toBe(`http://localhost:3000/pay/${invoice.id}`);
    expect(new Date(invoice.expiresAt).getTime() - new Date(invoice.createdAt).getTime()).toBe(3600_000);
    const event = await ctx.store.read(function* () {
      return yield* query<{ type: string; payload: string }>(
        'SELECT type, payload FROM events WHERE invoice_id = ?',
      ).get(invoice.id);
    });
    expect(event?.type).toBe('invoice.created');
    expect(JSON.parse(event?.payload ?? '{}').data.invoice).toEqual(invoice);
  });

  it('stores a returnUrl and returns it; refuses http unless private URLs are allowed, naming the field', async () => {
    const created = await call('/v1/invoices', {
      body: { ...validInvoice, returnUrl: 'https://shop.example/orders/42' },
    });
    expect(created.status).toBe(201);
    const { id, returnUrl } = await created.json();
    expect(returnUrl).toBe('https://shop.example/orders/42');
    expect((await (await call(`/v1/invoices/${id}`)).json()).returnUrl).toBe(
      'https://shop.example/orders/42',
    );
    expect((await (await call('/v1/invoices', { body: validInvoice })).json()).returnUrl).toBeNull();
    // The test context allows private URLs, as the devnet does: http is accepted there…
    const devnet = await call('/v1/invoices', {
      body: { ...validInvoice, returnUrl: 'http://localhost:8080/' },
    });
    expect(devnet.status).toBe(201);
    for (const bad of ['javascript:alert(1)', '/orders/42']) {
      const refused = await call('/v1/invoices', { body: { ...validInvoice, returnUrl: bad } });
      expect(refused.status).toBe(400);
      expect((await refused.json()).errors).toEqual([{ field: 'returnUrl', message: expect.any(String) }]);
    }
    // …and refused where they are not.
    ctx.config.allowPrivateWebhookUrls = false;
    const production = await call('/v1/invoices', {
      body: { ...validInvoice, returnUrl: 'http://shop.example/' },
    });
    expect(production.status).toBe(400);
    expect((await production.json()).errors[0]).toMatchObject({ field: 'returnUrl' });
  });

  it('hands out consecutive address indexes and never reuses one', async () => {
    const addresses = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const invoice = await (await call('/v1/invoices', { body: validInvoice })).json();
      addresses.add(invoice.depositAddress);
      expect(invoice.depositAddress).toBe(
        mnemonicToAccount(TEST_MNEMONIC, { path: `m/44'/60'/1'/0/${i}` }).address,
      );
    }
    expect(addresses.size).toBe(5);
  });

  it.each([
    [{ ...validInvoice, amount: '25.1234567' }, 'amount'],
    [{ ...validInvoice, amount: '0' }, 'amount'],
    [{ ...validInvoice, amount: '-1' }, 'amount'],
    [{ ...validInvoice, amount: '1e3' }, 'amount'],
    [{ ...validInvoice, amount: ' 1' }, 'amount'],
    [{ ...validInvoice, amount: 25.5 }, 'amount'],
    [{ ...validInvoice, amount: (2n ** 256n).toString() }, 'amount'],
    [{ ...validInvoice, currency: 'EUR' }, 'currency'],
    [{ ...validInvoice, chainId: 1 }, 'chainId'],
    [{ ...validInvoice, chainId: '31337' }, 'chainId'],
    [{ ...validInvoice, expiresInSeconds: 0 }, 'expiresInSeconds'],
    [{ ...validInvoice, expiresInSeconds: 2_592_001 }, 'expiresInSeconds'],
    [{ ...validInvoice, expiresInSeconds: 1.5 }, 'expiresInSeconds'],
    [{ ...validInvoice, metadata: { a: 1 } }, 'metadata.a'],
    [{ ...validInvoice, metadata: { a: 'x'.repeat(501) } }, 'metadata.a'],
    [
      { ...validInvoice, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata',
    ],
    [{ ...validInvoice, extra: true }, 'extra'],
    [{ currency: 'USDC', chainId: 31337 }, 'amount'],
  ])('refuses %j naming the field %s, writing nothing', async (body, field) => {
    const response = await call('/v1/invoices', { body });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await response.json();
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(problem.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await countInvoices()).toBe(0);
  });

  it('answers malformed JSON, a wrong content type and an oversized body with 4xx problems', async () => {
    expect((await call('/v1/invoices', { body: '{"amount":' })).status).toBe(400);
    expect(
      (await call('/v1/invoices', { body: 'amount=1', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(415);
    const big = await call('/v1/invoices', { body: { ...validInvoice, description: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    expect((await big.json()).code).toBe('payload_too_large');
    expect((await call('/v1/invoices', { body: '[]' })).status).toBe(400);
    expect((await call('/v1/invoices', { body: 'null' })).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await call('/v1/invoices', { body: validInvoice, headers });
    const second = await call('/v1/invoices', {
      body: { chainId: 31337, currency: 'USDC', amount: '25.5' },
      headers,
    });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(await first.json());
    expect(await countInvoices()).toBe(1);
  });

  it('refuses the same key with a different body with 422', async () => {
    const headers = { 'idempotency-key': 'order-43' };
    await call('/v1/invoices', { body: validInvoice, headers });
    const response = await call('/v1/invoices', { body: { ...validInvoice, amount: '26' }, headers });
    expect(response.status).toBe(422);
    expect((await response.json()).code).toBe('idempotency_key_reused');
  });

  it('creates one invoice for 50 concurrent requests with one key', async () => {
    const headers = { 'idempotency-key': 'burst' };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => call('/v1/invoices', { body: validInvoice, headers })),
    );
    const bodies = await Promise.all(responses.map((response) => response.json()));
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([201]));
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(await countInvoices()).toBe(1);
  });

  it('keeps keys apart per merchant', async () => {
    const other = (await addMerchant(ctx, 'Other', 2)).apiKey;
    const headers = { 'idempotency-key': 'same' };
    const a = await (await call('/v1/invoices', { body: validInvoice, headers })).json();
    const b = await (await call('/v1/invoices', { body: validInvoice, headers, key: other })).json();
    expect(a.id).not.toBe(b.id);
  });
});

describe('reading and canceling', () => {
  it('gets, lists newest first with a cursor, and filters by status', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await (await call('/v1/invoices', { body: validInvoice })).json()).id);
    const got = await call(`/v1/invoices/${ids[2]}`);
    expect((await got.json()).id).toBe(ids[2]);
    const page1 = await (await call('/v1/invoices?limit=2')).json();
    expect(page1.data.map((invoice: { id: string }) => invoice.id)).toEqual([ids[4], ids[3]]);
    expect(page1.hasMore).toBe(true);
    const page3 = await (await call(`/v1/invoices?limit=2&startingAfter=${ids[1]}`)).json();
    expect(page3).toMatchObject({ data: [{ id: ids[0] }], hasMore: false });
    await call(`/v1/invoices/${ids[0]}/cancel`, { method: 'POST' });
    const canceled = await (await call('/v1/invoices?status=canceled')).json();
    expect(canceled.data.map((invoice: { id: string }) => invoice.id)).toEqual([ids[0]]);
    expect((await call('/v1/invoices?limit=0')).status).toBe(400);
    expect((await call('/v1/invoices?status=lost')).status).toBe(400);
  });

  it('cancels a pending invoice once, with one invoice.canceled event', async () => {
    const { id } = await (await call('/v1/invoices', { body: validInvoice })).json();
    const response = await call(`/v1/invoices/${id}/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect((await response.json()).status).toBe('canceled');
    const again = await call(`/v1/invoices/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await again.json()).code).toBe('invoice_not_cancelable');
    const types = await ctx.store.read(function* () {
      return yield* pluck<string>('SELECT type FROM events WHERE invoice_id = ? ORDER BY seq').all(id);
    });
    expect(types).toEqual(['invoice.created', 'invoice.canceled']);
  });
});

describe('auth and isolation', () => {
  it('answers a missing or unknown key with 401', async () => {
    for (const key of [null, 'sk_unknown', 'nonsense']) {
      const response = await call('/v1/invoices', { key });
      expect(response.status).toBe(401);
      expect((await response.json()).code).toBe('unauthorized');
    }
  });

  it("answers another merchant's invoice as not found", async () => {
    const other = (await addMerchant(ctx, 'Other', 2)).apiKey;
    const { id } = await (await call('/v1/invoices', { body: validInvoice })).json();
    expect((await call(`/v1/invoices/${id}`, { key: other })).status).toBe(404);
    expect((await call(`/v1/invoices/${id}/cancel`, { method: 'POST', key: other })).status).toBe(404);
    expect((await (await call('/v1/invoices', { key: other })).json()).data).toEqual([]);
  });
});

describe('public routes', () => {
  it('serves chains, health, the OpenAPI 3.1 document and docs without a key', async () => {
    const chains = await (await call('/v1/chains', { key: null })).json();
    expect(chains.data[0]).toMatchObject({
      chainId: 31337,
      tokens: [{ symbol: 'USDC', decimals: 6 }, { symbol: 'DAI' }],
    });
    expect(await (await call('/healthz', { key: null })).json()).toEqual({ status: 'ok' });
    const document = await (await call('/openapi.json', { key: null })).json();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/invoices', '/v1/invoices/{id}', '/v1/chains']),
    );
    expect(document.components.schemas.Invoice).toBeDefined();
    const docs = await call('/docs', { key: null });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/v1/invoices');
    const metrics = await call('/metrics', { key: null });
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('stablegate_http_request_duration_seconds_bucket');
    const missing = await call('/nope', { key: null });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('secrets in logs', () => {
  it('never writes an API key to the log, even on errors', async () => {
    await call('/v1/invoices', { body: validInvoice });
    await call('/v1/invoices', { key: `${apiKey}x` });
    ctx.logger.info({ headers: { authorization: `Bearer ${apiKey}` } }, `failed for ${apiKey}`);
    const output = ctx.logs.join('');
    expect(output).not.toContain(apiKey);
    expect(output).not.toContain(apiKey.slice(3));
  });
});
