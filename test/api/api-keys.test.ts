import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext;
let app: ReturnType<typeof createApi>;
let firstKey: string;

async function call(path: string, key: string, init: { method?: string; body?: unknown } = {}) {
  const response = await app.request(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${key}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

beforeEach(async () => {
  ctx = await createTestContext();
  app = createApi(ctx, { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) });
  firstKey = (await addMerchant(ctx)).apiKey;
});
afterEach(() => ctx.close());

describe('API keys', () => {
  it('creates a named key shown once, which then authenticates, and lists keys without secrets', async () => {
    const created = await call('/v1/api-keys', firstKey, { body: { name: 'checkout server' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'api_key', name: 'checkout server' });
    expect(created.body.key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 7));
    expect((await call('/v1/invoices', created.body.key)).status).toBe(200);
    const listed = await call('/v1/api-keys', created.body.key);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((key: { name: string | null }) => key.name)).toEqual([
      null,
      'checkout server',
    ]);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(created.body.key);
    expect(text).not.toContain(firstKey);
    expect(Object.keys(listed.body.data[1]).sort()).toEqual(['createdAt', 'id', 'name', 'object', 'prefix']);
  });

  it('creates a key without a body, and refuses unknown fields', async () => {
    const response = await app.request('/v1/api-keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${firstKey}` },
    });
    expect(response.status).toBe(201);
    expect((await response.json()).name).toBeNull();
    const bad = await call('/v1/api-keys', firstKey, { body: { label: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('label');
  });

  it('revokes another key, which gets 401 on its very next request', async () => {
    const second = (await call('/v1/api-keys', firstKey, { body: {} })).body;
    expect((await call('/v1/invoices', second.key)).status).toBe(200);
    const revoked = await call(`/v1/api-keys/${second.id}`, firstKey, { method: 'DELETE' });
    expect(revoked).toMatchObject({ status: 200, body: { id: second.id, revoked: true } });
    const refused = await call('/v1/invoices', second.key);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('unauthorized');
    expect((await call('/v1/api-keys', firstKey)).body.data).toHaveLength(1);
    expect((await call(`/v1/api-keys/${second.id}`, firstKey, { method: 'DELETE' })).status).toBe(404);
  });

  it('lets a key revoke itself, but not when it is the merchant’s last active key', async () => {
    const own = (await call('/v1/api-keys', firstKey)).body.data[0].id;
    const last = await call(`/v1/api-keys/${own}`, firstKey, { method: 'DELETE' });
    expect(last.status).toBe(409);
    expect(last.headers.get('content-type')).toBe('application/problem+json');
    expect(last.body.code).toBe('last_api_key');
    expect((await call('/v1/invoices', firstKey)).status).toBe(200);

    const second = (await call('/v1/api-keys', firstKey, { body: {} })).body;
    expect((await call(`/v1/api-keys/${own}`, firstKey, { method: 'DELETE' })).status).toBe(200);
    expect((await call('/v1/invoices', firstKey)).status).toBe(401);
    expect((await call(`/v1/api-keys/${second.id}`, second.key, { method: 'DELETE' })).body.code).toBe(
      'last_api_key',
    );
  });

  it('answers another merchant’s key as not found and leaves it working', async () => {
    const other = (await addMerchant(ctx, 'Other', 2)).apiKey;
    const otherId = (await call('/v1/api-keys', other)).body.data[0].id;
    await call('/v1/api-keys', other, { body: {} });
    expect((await call(`/v1/api-keys/${otherId}`, firstKey, { method: 'DELETE' })).status).toBe(404);
    expect((await call('/v1/invoices', other)).status).toBe(200);
  });

  it('sets the apiKeyId of the authenticating key in the request context', async () => {
    const second = (await call('/v1/api-keys', firstKey, { body: {} })).body;
    const probe = createApi(ctx, { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) });
    // Registered after the app's middleware, which therefore runs first: requireApiKey included.
    probe.get('/v1/api-keys/whoami', (c) => c.json({ id: c.get('apiKeyId') }));
    const response = await probe.request('/v1/api-keys/whoami', {
      headers: { authorization: `Bearer ${second.key}` },
    });
    expect(await response.json()).toEqual({ id: second.id });
  });

  it('documents the key operations and roll-secret in /openapi.json with their problems', async () => {
    const document = await (await app.request('/openapi.json')).json();
    const responses = (path: string, method: string) =>
      Object.keys(document.paths[path]?.[method]?.responses ?? {});
    expect(responses('/v1/api-keys', 'post')).toEqual(
      expect.arrayContaining(['201', '400', '401', '503', '507']),
    );
    expect(responses('/v1/api-keys', 'get')).toEqual(expect.arrayContaining(['200', '401', '503']));
    expect(responses('/v1/api-keys/{id}', 'delete')).toEqual(
      expect.arrayContaining(['200', '401', '404', '409', '503', '507']),
    );
    expect(responses('/v1/webhook-endpoints/{id}/roll-secret', 'post')).toEqual(
      expect.arrayContaining(['200', '401', '404', '503', '507']),
    );
  });
});
