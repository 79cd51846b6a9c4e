import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { fanOutEvents, redeliverEvent } from '../../src/store/delivery-outbox.ts';
import { listDeliveries } from '../../src/store/delivery-reads.ts';
import { pluck } from '../../src/store/sql.ts';
import { createWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';
import { addMerchant, createManualClock, createTestContext, type TestContext } from '../fixtures/context.ts';

// Ids carry no order within a millisecond (src/domain/ids.ts): these tests freeze the clock so
// that everything happens in one millisecond, and expect the order the database recorded.
let ctx: TestContext;
let app: ReturnType<typeof createApi>;
let apiKey: string;
let merchantId: string;
const clock = createManualClock();

const call = async (path: string, method = 'GET') => {
  const response = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(method === 'POST' && path === '/v1/invoices'
      ? { body: JSON.stringify({ amount: '1', currency: 'USDC', chainId: 31337 }) }
      : {}),
  });
  return { status: response.status, body: await response.json() };
};

/** Every page of a list, `limit` at a time, following `startingAfter`. */
async function allPages(path: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const cursor = after ? `&startingAfter=${after}` : '';
    const page = await call(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor}`);
    expect(page.status).toBe(200);
    ids.push(...page.body.data.map((item: { id: string }) => item.id));
    if (!page.body.hasMore) return ids;
    after = ids.at(-1);
  }
}

beforeEach(async () => {
  ctx = await createTestContext({ clock });
  app = createApi(ctx, { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) });
  const added = await addMerchant(ctx);
  apiKey = added.apiKey;
  merchantId = added.merchant.id;
});
afterEach(() => ctx.close());

describe('order within one millisecond', () => {
  it('lists invoices made in one millisecond newest first, and pages through them without loss or repeat', async () => {
    const created: string[] = [];
    for (let i = 0; i < 30; i++) created.push((await call('/v1/invoices', 'POST')).body.id);
    const newestFirst = [...created].reverse();
    expect((await call('/v1/invoices?limit=100')).body.data.map((i: { id: string }) => i.id)).toEqual(
      newestFirst,
    );
    expect(await allPages('/v1/invoices', 7)).toEqual(newestFirst);
  });

  it('lists the events of one transaction and of one millisecond in the order they happened', async () => {
    const expected: string[] = [];
    for (let i = 0; i < 15; i++) {
      const { id } = (await call('/v1/invoices', 'POST')).body;
      expect((await call(`/v1/invoices/${id}/cancel`, 'POST')).status).toBe(200);
      expected.push(`${id} invoice.created`, `${id} invoice.canceled`);
    }
    const events = (await call('/v1/events?limit=100')).body.data as {
      id: string;
      type: string;
      data: { invoice: { id: string } };
    }[];
    expect(events.map((event) => `${event.data.invoice.id} ${event.type}`)).toEqual(expected.reverse());
    expect(await allPages('/v1/events', 4)).toEqual(events.map((event) => event.id));
  });

  it('answers a cursor that is not one of the merchant’s objects with a 400 naming startingAfter', async () => {
    const response = await call('/v1/invoices?startingAfter=inv_00000000000000000000000000');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'startingAfter', message: expect.any(String) }]);
  });

  it('fans out and lists deliveries in event order, redeliveries after the first', async () => {
    const { endpoint } = await ctx.store.write(createWebhookEndpoint, {
      merchantId,
      url: 'http://127.0.0.1:9/hook',
      events: null,
      now: clock.now(),
      secrets: ctx.secrets,
    });
    const invoices: string[] = [];
    for (let i = 0; i < 10; i++) invoices.push((await call('/v1/invoices', 'POST')).body.id);
    await ctx.store.write(fanOutEvents, clock.now(), 100);
    const due = await ctx.store.read(function* () {
      return yield* pluck<string>(
        `SELECT e.invoice_id FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.status = 'pending' ORDER BY d.next_attempt_at, d.seq`,
      ).all();
    });
    expect(due).toEqual(invoices);
    const firstEvent = await ctx.store.read(function* () {
      return yield* pluck<string>('SELECT id FROM events ORDER BY seq LIMIT 1').get();
    });
    if (!firstEvent) throw new Error('no event');
    const redelivered = await ctx.store.write(redeliverEvent, merchantId, firstEvent, clock.now());
    const listed = await ctx.store.read(listDeliveries, merchantId, firstEvent);
    expect(listed.map((delivery) => delivery.id).at(-1)).toBe(redelivered[0]?.id);
    expect(listed.every((delivery) => delivery.endpointId === endpoint.id)).toBe(true);
  });
});
