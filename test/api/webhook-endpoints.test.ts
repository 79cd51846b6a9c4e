import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { pluck } from '../../src/store/sql.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext;
let apiKey: string;

function request(
  app: ReturnType<typeof createApi>,
  path: string,
  init: { method?: string; body?: unknown; key?: string } = {},
) {
  return app.request(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${init.key ?? apiKey}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

beforeEach(async () => {
  ctx = await createTestContext({ config: { allowPrivateWebhookUrls: false } });
  apiKey = (await addMerchant(ctx)).apiKey;
});
afterEach(() => ctx.close());

describe('webhook endpoints', () => {
  it('registers an endpoint, shows its whsec_ secret once, lists and deletes it', async () => {
    const app = createApi({ ...ctx, config: { ...ctx.config, allowPrivateWebhookUrls: true } });
    const created = await request(app, '/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/hook', events: ['invoice.paid', 'invoice.expired'] },
    });
    expect(created.status).toBe(201);
    const endpoint = await created.json();
    expect(endpoint).toMatchObject({
      object: 'webhook_endpoint',
      url: 'http://127.0.0.1:9/hook',
      status: 'enabled',
      events: ['invoice.paid', 'invoice.expired'],
    });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(() => new Webhook(endpoint.secret)).not.toThrow();
    const stored = await ctx.store.read(function* () {
      return yield* pluck<string>('SELECT secret FROM webhook_endpoints WHERE id = ?').get(endpoint.id);
    });
    if (stored === undefined) throw new Error('endpoint not stored');
    expect(stored).not.toContain(endpoint.secret.slice(6));
    expect(ctx.secrets.open(stored, endpoint.id)).toBe(endpoint.secret);
    const listed = await (await request(app, '/v1/webhook-endpoints')).json();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0].secret).toBeUndefined();
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret);
    expect((await request(app, `/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE' })).status).toBe(
      200,
    );
    expect((await request(app, `/v1/webhook-endpoints/${endpoint.id}`, { method: 'DELETE' })).status).toBe(
      404,
    );
    expect((await (await request(app, '/v1/webhook-endpoints')).json()).data).toEqual([]);
    expect(ctx.logs.join('')).not.toContain(endpoint.secret);
    expect(ctx.logs.join('')).not.toContain(endpoint.secret.slice(6));
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/hook',
    'http://0x7f.1/hook',
    'ftp://example.com/hook',
    'not a url',
  ])('refuses %s with a 400 naming the url field', async (url) => {
    const app = createApi(ctx);
    const response = await request(app, '/v1/webhook-endpoints', { body: { url } });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((error: { field: string }) => error.field)).toContain('url');
    const count = await ctx.store.read(function* () {
      return yield* pluck<number>('SELECT count(*) FROM webhook_endpoints').get();
    });
    expect(count).toBe(0);
  });

  it("answers another merchant's endpoint as not found and refuses unknown event types", async () => {
    const app = createApi({ ...ctx, config: { ...ctx.config, allowPrivateWebhookUrls: true } });
    const other = (await addMerchant(ctx, 'Other', 2)).apiKey;
    const { id } = await (
      await request(app, '/v1/webhook-endpoints', { body: { url: 'http://127.0.0.1:9/a' } })
    ).json();
    expect((await request(app, `/v1/webhook-endpoints/${id}`, { method: 'DELETE', key: other })).status).toBe(
      404,
    );
    const bad = await request(app, '/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/a', events: ['invoice.lost'] },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors[0].field).toBe('events.0');
  });
});
