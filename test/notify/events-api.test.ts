import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { claimAttempt, recordAttempt } from '../../src/store/delivery-attempts.ts';
import { fanOutEvents } from '../../src/store/delivery-outbox.ts';
import { pluck } from '../../src/store/sql.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';

let ctx: TestContext;
let app: ReturnType<typeof createApi>;
let apiKey: string;
let otherKey: string;

const allowAll = async (url: string) => ({ ok: true as const, url });

async function call(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${init.key ?? apiKey}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await app.request(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: await response.json() };
}

async function createInvoice(key = apiKey) {
  const { status, body } = await call('/v1/invoices', {
    body: { amount: '10', currency: 'USDC', chainId: 31337 },
    key,
  });
  expect(status).toBe(201);
  return body as { id: string };
}

beforeEach(async () => {
  ctx = await createTestContext();
  app = createApi(ctx, { checkWebhookUrl: allowAll });
  apiKey = (await addMerchant(ctx, 'Shop', 0)).apiKey;
  otherKey = (await addMerchant(ctx, 'Other', 1)).apiKey;
});
afterEach(() => ctx.close());

describe('GET /v1/events', () => {
  it('lists events newest first, filtered by invoice and type, with cursor pagination', async () => {
    const first = await createInvoice();
    const second = await createInvoice();
    await call(`/v1/invoices/${first.id}/cancel`, { method: 'POST' });
    await createInvoice(otherKey);

    const all = await call('/v1/events');
    expect(all.status).toBe(200);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.data.map((e: { type: string; invoiceId: string }) => [e.type, e.invoiceId])).toEqual([
      ['invoice.canceled', first.id],
      ['invoice.created', second.id],
      ['invoice.created', first.id],
    ]);

    const ofFirst = await call(`/v1/events?invoiceId=${first.id}`);
    expect(ofFirst.body.data.map((e: { type: string }) => e.type)).toEqual([
      'invoice.canceled',
      'invoice.created',
    ]);
    const canceled = await call('/v1/events?type=invoice.canceled');
    expect(canceled.body.data).toHaveLength(1);
    expect(canceled.body.data[0].data.invoice).toMatchObject({ id: first.id, status: 'canceled' });

    const page1 = await call('/v1/events?limit=2');
    expect(page1.body.hasMore).toBe(true);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await call(`/v1/events?limit=2&startingAfter=${page1.body.data[1].id}`);
    expect(page2.body).toMatchObject({ hasMore: false, data: [{ id: all.body.data[2].id }] });
  });

  it('refuses an unknown event type with a field error', async () => {
    const { status, body } = await call('/v1/events?type=invoice.exploded');
    expect(status).toBe(400);
    expect(body.code).toBe('validation_failed');
    expect(body.errors[0].field).toBe('type');
  });
});

describe('GET /v1/events/:id', () => {
  it('serves the event with the invoice as it was when the event happened', async () => {
    const invoice = await createInvoice();
    const [listed] = (await call(`/v1/events?invoiceId=${invoice.id}`)).body.data;
    const { status, body } = await call(`/v1/events/${listed.id}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      id: listed.id,
      object: 'event',
      type: 'invoice.created',
      createdAt: expect.any(String),
      invoiceId: invoice.id,
      sweepId: null,
      data: { invoice },
    });
    expect(body.id).toMatch(/^evt_[0-9a-z]{26}$/);
  });

  it("answers another merchant's event, or an unknown one, as not found", async () => {
    await createInvoice(otherKey);
    const [theirs] = (await call('/v1/events', { key: otherKey })).body.data;
    for (const path of [
      `/v1/events/${theirs.id}`,
      `/v1/events/${theirs.id}/deliveries`,
      '/v1/events/evt_nope',
    ]) {
      const { status, body } = await call(path);
      expect(status).toBe(404);
      expect(body.code).toBe('event_not_found');
    }
    const redeliver = await call(`/v1/events/${theirs.id}/redeliver`, { method: 'POST' });
    expect(redeliver.status).toBe(404);
    expect(redeliver.body.code).toBe('event_not_found');
    expect((await call('/v1/events')).body.data).toEqual([]);
    const anyDelivery = await ctx.store.read(function* () {
      return yield* pluck<number>('SELECT 1 FROM deliveries LIMIT 1').get();
    });
    expect(anyDelivery).toBeUndefined();
  });
});

describe('event deliveries', () => {
  it('lists deliveries with their attempts and redelivers to every subscribed endpoint', async () => {
    const endpoint = (await call('/v1/webhook-endpoints', { body: { url: 'https://shop.example/hook' } }))
      .body;
    await call('/v1/webhook-endpoints', {
      body: { url: 'https://shop.example/paid', events: ['invoice.paid'] },
    });
    const invoice = await createInvoice();
    const [event] = (await call(`/v1/events?invoiceId=${invoice.id}`)).body.data;
    await ctx.store.write(fanOutEvents, new Date(), 10);

    const before = await call(`/v1/events/${event.id}/deliveries`);
    expect(before.status).toBe(200);
    expect(before.body.data).toEqual([
      {
        id: expect.stringMatching(/^dlv_/),
        object: 'webhook_delivery',
        eventId: event.id,
        endpointId: endpoint.id,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: expect.any(String),
        createdAt: expect.any(String),
        attemptsLog: [],
      },
    ]);

    // One failed attempt, recorded as the notifier would.
    const claim = await ctx.store.write(claimAttempt, {
      deliveryId: before.body.data[0].id,
      scheduleVersion: 0,
      now: new Date(),
      leaseMs: 30_000,
    });
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    await ctx.store.write(recordAttempt, {
      deliveryId: claim.target.deliveryId,
      scheduleVersion: claim.target.scheduleVersion,
      outcome: { kind: 'retry', status: 500, durationMs: 12, error: 'receiver answered status 500' },
      now: new Date(),
      schedule: [0, 5],
    });
    const after = await call(`/v1/events/${event.id}/deliveries`);
    expect(after.body.data[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      attemptsLog: [
        {
          attemptedAt: expect.any(String),
          responseStatus: 500,
          durationMs: 12,
          error: 'receiver answered status 500',
        },
      ],
    });

    const redelivered = await call(`/v1/events/${event.id}/redeliver`, { method: 'POST' });
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.data).toEqual([
      expect.objectContaining({ endpointId: endpoint.id, status: 'pending', attempts: 0, attemptsLog: [] }),
    ]);
    expect(redelivered.body.data[0].id).not.toBe(after.body.data[0].id);
    const listed = (await call(`/v1/events/${event.id}/deliveries`)).body.data;
    expect(listed.map((d: { id: string }) => d.id)).toEqual([
      after.body.data[0].id,
      redelivered.body.data[0].id,
    ]);
  });

  it('redelivers to no one when no enabled endpoint takes the event', async () => {
    const invoice = await createInvoice();
    const [event] = (await call(`/v1/events?invoiceId=${invoice.id}`)).body.data;
    const { status, body } = await call(`/v1/events/${event.id}/redeliver`, { method: 'POST' });
    expect(status).toBe(202);
    expect(body).toEqual({ data: [] });
  });
});
