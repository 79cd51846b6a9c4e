import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../harness/webhook-receiver.ts';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import type { EventType } from '../../src/domain/events.ts';
import type { TokenRef } from '../../src/domain/invoice.ts';
import { createDeliveryRelay, type DeliveryRelay } from '../../src/notify/delivery-relay.ts';
import { createNotifier, type Notifier } from '../../src/notify/notifier.ts';
import { createProducerConnection, createWorkerConnection } from '../../src/queue/connections.ts';
import { type DeliverJob, deliverJobId, QUEUE_NAMES } from '../../src/queue/jobs.ts';
import { claimAttempt } from '../../src/store/delivery-attempts.ts';
import { fanOutEvents } from '../../src/store/delivery-outbox.ts';
import { listDeliveries } from '../../src/store/delivery-reads.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { pluck, query } from '../../src/store/sql.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
} from '../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';
import { eventually } from './eventually.ts';

const redisUrl = inject('redisUrl');

let ctx: TestContext;
let merchantId: string;
let receiver: WebhookReceiver;
let prefix: string;
let producer: Redis;
let workerConnection: Redis;
let queue: Queue<DeliverJob>;
let relay: DeliveryRelay;
let notifier: Notifier | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

function usdc(): TokenRef {
  const token = TEST_CHAIN.tokens[0];
  if (!token) throw new Error('TEST_CHAIN has no token');
  return token;
}

beforeEach(async () => {
  // Attempt 1 now, then 1 s and 1 s later (±20% jitter): three attempts in about two seconds.
  ctx = await createTestContext({ config: { webhookRetryScheduleS: [0, 1, 1], logLevel: 'debug' } });
  merchantId = (await addMerchant(ctx)).merchant.id;
  receiver = await startWebhookReceiver();
  prefix = `test-${randomUUID()}`;
  producer = createProducerConnection(redisUrl);
  workerConnection = createWorkerConnection(redisUrl);
  queue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, { connection: producer, prefix });
  relay = createDeliveryRelay({ ...ctx, queue, intervalMs: 50 });
  notifier = undefined;
});

afterEach(async () => {
  await relay.stop();
  await notifier?.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await queue.close();
  producer.disconnect();
  workerConnection.disconnect();
  await receiver.close();
  await ctx.close();
});

function startNotifier(options: { timeoutMs?: number; concurrency?: number } = {}): Notifier {
  notifier = createNotifier({ ...ctx, connection: workerConnection, prefix, timeoutMs: 2_000, ...options });
  return notifier;
}

function addEndpoint(path: string, events: EventType[] | null = null, now = new Date()) {
  return ctx.store.write(createWebhookEndpoint, {
    merchantId,
    url: receiver.url(path),
    events,
    now,
    secrets: ctx.secrets,
  });
}

/** Creates an invoice, which writes its `invoice.created` event; returns the event id. */
async function createEvent(): Promise<string> {
  const { invoice } = await ctx.store.write(
    createInvoice,
    { merchantId, chainId: TEST_CHAIN.chainId, token: usdc(), amount: 1_000_000n, expiresInSeconds: 3600 },
    { publicUrl: ctx.config.publicUrl, now: new Date() },
  );
  const id = await ctx.store.read(function* () {
    return yield* pluck<string>(
      "SELECT id FROM events WHERE invoice_id = ? AND type = 'invoice.created'",
    ).get(invoice.id);
  });
  if (!id) throw new Error(`no invoice.created event for ${invoice.id}`);
  return id;
}

const deliveriesOf = (eventId: string) => ctx.store.read(listDeliveries, merchantId, eventId);
const payloadOf = (eventId: string) =>
  ctx.store.read(function* () {
    return yield* pluck<string>('SELECT payload FROM events WHERE id = ?').get(eventId);
  });

/** Verifies as a merchant would, with the standardwebhooks package; throws on a bad signature. */
function verify(secret: string, request: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(request.body, request.headers);
}

describe('webhook delivery', () => {
  it('fans an event out to two endpoints and both receive a verified webhook whose webhook-id is the event id', async () => {
    const a = await addEndpoint('/a');
    const b = await addEndpoint('/b');
    const eventId = await createEvent();
    startNotifier();
    relay.start();

    const { toA, toB } = await eventually(() => {
      const [toA, toB] = [receiver.received('/a')[0], receiver.received('/b')[0]];
      return toA && toB && { toA, toB };
    });
    for (const [request, secret] of [
      [toA, a.secret],
      [toB, b.secret],
    ] as const) {
      expect(request.headers['webhook-id']).toBe(eventId);
      expect(request.body).toBe(await payloadOf(eventId));
      expect(verify(secret, request)).toMatchObject({ id: eventId, type: 'invoice.created' });
    }
    // Each endpoint's secret signs only its own deliveries.
    expect(() => verify(b.secret, toA)).toThrow();

    const deliveries = await eventually(async () => {
      const found = await deliveriesOf(eventId);
      return found.length === 2 && found.every((d) => d.status === 'succeeded') && found;
    });
    expect(deliveries.map((d) => d.endpointId).sort()).toEqual([a.endpoint.id, b.endpoint.id].sort());
    for (const delivery of deliveries) {
      expect(delivery.id).toMatch(/^dlv_/);
      expect(delivery.attempts).toBe(1);
      expect(delivery.nextAttemptAt).toBeNull();
      expect(delivery.attemptsLog).toEqual([
        { attemptedAt: expect.any(Date), responseStatus: 200, durationMs: expect.any(Number), error: null },
      ]);
    }
    const outcomes = await ctx.metrics.registry.getSingleMetricAsString(
      'stablegate_webhook_deliveries_total',
    );
    expect(outcomes).toContain('stablegate_webhook_deliveries_total{outcome="delivered"} 2');
  });

  it('delivers only to enabled endpoints whose event filter includes the type, registered before the event', async () => {
    const all = await addEndpoint('/all');
    const createdOnly = await addEndpoint('/created', ['invoice.created']);
    await addEndpoint('/paid', ['invoice.paid']);
    const disabled = await addEndpoint('/disabled');
    await ctx.store.write(function* () {
      yield* query("UPDATE webhook_endpoints SET status = 'disabled' WHERE id = ?").run(disabled.endpoint.id);
    });
    const deleted = await addEndpoint('/deleted');
    await ctx.store.write(deleteWebhookEndpoint, merchantId, deleted.endpoint.id, new Date());
    const eventId = await createEvent();
    // Registered after the event: it subscribes to what happens from now on.
    await addEndpoint('/late', null, new Date(Date.now() + 1000));

    const tick = await relay.runOnce();
    expect(tick).toMatchObject({ fannedOutEvents: 1, createdDeliveries: 2, enqueued: 2, redisOk: true });
    expect((await deliveriesOf(eventId)).map((d) => d.endpointId).sort()).toEqual(
      [all.endpoint.id, createdOnly.endpoint.id].sort(),
    );
    // Fanned out once: another tick adds nothing.
    expect(await relay.runOnce()).toMatchObject({ fannedOutEvents: 0, createdDeliveries: 0, enqueued: 0 });

    startNotifier();
    await eventually(async () => (await deliveriesOf(eventId)).every((d) => d.status === 'succeeded'));
    expect(receiver.received().map((r) => r.path)).toEqual(expect.arrayContaining(['/all', '/created']));
    expect(receiver.received()).toHaveLength(2);
  });

  it('retries a failing receiver on the schedule: two 500s then 200 make three attempts with one webhook-id', async () => {
    const { secret } = await addEndpoint('/flaky');
    receiver.reply('/flaky', (_request, nth) => (nth < 2 ? { status: 500 } : { status: 200 }));
    const eventId = await createEvent();
    startNotifier();
    relay.start();

    const [delivery] = await eventually(
      async () => {
        const found = await deliveriesOf(eventId);
        return found[0]?.status === 'succeeded' && found;
      },
      { timeoutMs: 15_000 },
    );
    expect(delivery?.attempts).toBe(3);
    expect(delivery?.attemptsLog.map((a) => [a.responseStatus, a.error])).toEqual([
      [500, 'receiver answered status 500'],
      [500, 'receiver answered status 500'],
      [200, null],
    ]);
    const requests = receiver.received('/flaky');
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request.headers['webhook-id']).toBe(eventId);
      expect(verify(secret, request)).toMatchObject({ id: eventId });
    }
    // The schedule's 1 s steps (±20%) separate the attempts.
    const [first, second, third] = requests.map((r) => r.receivedAt);
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(700);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(700);
  });

  it('gives up when the schedule is used up', async () => {
    await addEndpoint('/down');
    receiver.reply('/down', () => ({ status: 503 }));
    const eventId = await createEvent();
    startNotifier();
    relay.start();
    const [delivery] = await eventually(
      async () => {
        const found = await deliveriesOf(eventId);
        return found[0]?.status === 'failed' && found;
      },
      { timeoutMs: 15_000 },
    );
    expect(delivery?.attempts).toBe(3);
    expect(delivery?.nextAttemptAt).toBeNull();
    expect(receiver.received('/down')).toHaveLength(3);
  });

  it('times out a hanging receiver without delaying another endpoint', async () => {
    await addEndpoint('/hang');
    await addEndpoint('/fast');
    receiver.reply('/hang', () => 'hang');
    const eventId = await createEvent();
    startNotifier({ timeoutMs: 1_500 });
    relay.start();

    const endpoints = await ctx.store.read(listWebhookEndpoints, merchantId);
    const endpointOf = (path: string) => endpoints.find((e) => e.url.endsWith(path));
    const deliveryTo = async (path: string) =>
      (await deliveriesOf(eventId)).find((d) => d.endpointId === endpointOf(path)?.id);
    await eventually(
      async () =>
        (await deliveryTo('/fast'))?.status === 'succeeded' && receiver.received('/hang').length === 1,
    );
    // The fast endpoint is done while the hanging one is still waiting for its answer.
    expect(await deliveryTo('/hang')).toMatchObject({ status: 'pending', attempts: 0 });

    const hung = await eventually(async () => (await deliveryTo('/hang'))?.attemptsLog[0]);
    expect(hung.responseStatus).toBeNull();
    expect(hung.error).toBe('timed out after 1500 ms');
    expect(hung.durationMs).toBeGreaterThanOrEqual(1_500);
    expect((await deliveryTo('/hang'))?.status).toBe('pending');
  });

  it('records a redirect as a failed attempt and does not follow it', async () => {
    await addEndpoint('/moved');
    receiver.reply('/moved', () => ({ status: 302, headers: { location: receiver.url('/elsewhere') } }));
    const eventId = await createEvent();
    startNotifier();
    relay.start();

    const [delivery] = await eventually(async () => {
      const found = await deliveriesOf(eventId);
      return found[0]?.attempts === 1 && found;
    });
    expect(delivery?.attemptsLog[0]).toMatchObject({
      responseStatus: 302,
      error: expect.stringContaining('redirects are not followed'),
    });
    expect(delivery?.status).toBe('pending');
    expect(receiver.received('/elsewhere')).toHaveLength(0);
  });

  it('disables the endpoint when the receiver answers 410 Gone', async () => {
    const gone = await addEndpoint('/gone');
    receiver.reply('/gone', () => ({ status: 410 }));
    const eventId = await createEvent();
    startNotifier();
    relay.start();

    const [delivery] = await eventually(async () => {
      const found = await deliveriesOf(eventId);
      return found[0]?.status === 'failed' && found;
    });
    expect(delivery?.attempts).toBe(1);
    expect(delivery?.attemptsLog[0]?.responseStatus).toBe(410);
    const endpoints = await ctx.store.read(listWebhookEndpoints, merchantId);
    const endpoint = endpoints.find((e) => e.id === gone.endpoint.id);
    expect(endpoint?.status).toBe('disabled');
    expect(endpoint?.disabledReason).toContain('410');

    // Nothing more is sent to it: a later event makes no delivery for the disabled endpoint.
    const later = await createEvent();
    await eventually(async () => {
      const fannedOutAt = await ctx.store.read(function* () {
        return yield* pluck<string | null>('SELECT fanned_out_at FROM events WHERE id = ?').get(later);
      });
      return fannedOutAt !== null;
    });
    expect(await deliveriesOf(later)).toEqual([]);
    expect(receiver.received('/gone')).toHaveLength(1);
  });

  it('honours Retry-After on 429: the next attempt is not before it', async () => {
    await addEndpoint('/busy');
    receiver.reply('/busy', () => ({ status: 429, headers: { 'retry-after': '30' } }));
    const eventId = await createEvent();
    startNotifier();
    relay.start();

    const [delivery] = await eventually(async () => {
      const found = await deliveriesOf(eventId);
      return found[0]?.attempts === 1 && found;
    });
    const attempt = delivery?.attemptsLog[0];
    expect(attempt?.responseStatus).toBe(429);
    expect(delivery?.status).toBe('pending');
    const attemptEnded = (attempt?.attemptedAt.getTime() ?? 0) + (attempt?.durationMs ?? 0);
    expect((delivery?.nextAttemptAt?.getTime() ?? 0) - attemptEnded).toBeGreaterThanOrEqual(30_000);
    expect(receiver.received('/busy')).toHaveLength(1);
  });

  it('records a secret that cannot sign as failed attempts, fails the jobs unrecoverably and never logs it', async () => {
    const { endpoint } = await addEndpoint('/bad-secret');
    const corrupt = 'whsec_!!not-base64!!-s3cr3t-value';
    const sealed = ctx.secrets.seal(corrupt, endpoint.id);
    await ctx.store.write(function* () {
      yield* query('UPDATE webhook_endpoints SET secret = ? WHERE id = ?').run(sealed, endpoint.id);
    });
    const eventId = await createEvent();
    startNotifier();
    relay.start();

    const [delivery] = await eventually(
      async () => {
        const found = await deliveriesOf(eventId);
        return found[0]?.status === 'failed' && found;
      },
      { timeoutMs: 15_000 },
    );
    expect(delivery?.attemptsLog.map((a) => [a.responseStatus, a.error])).toEqual(
      Array(3).fill([null, 'not sent: webhook secret is not whsec_ + base64']),
    );
    // Each job fails unrecoverably once (no BullMQ retry) and is then dropped, not kept.
    const unrecoverable = () =>
      ctx.logs.filter((line) => line.includes('delivery job failed unrecoverably')).length;
    await eventually(() => unrecoverable() === 3);
    expect(await queue.getJobCounts('failed')).toMatchObject({ failed: 0 });
    expect(receiver.received()).toHaveLength(0);
    expect(ctx.logs.join('')).not.toContain('s3cr3t');
  });

  it('makes one attempt for 50 duplicate jobs of one delivery', async () => {
    await addEndpoint('/once');
    const eventId = await createEvent();
    await ctx.store.write(fanOutEvents, new Date(), 10);
    const [delivery] = await deliveriesOf(eventId);
    if (!delivery) throw new Error('no delivery');
    const data: DeliverJob = { deliveryId: delivery.id, scheduleVersion: 0 };
    // 25 jobs the queue cannot deduplicate (other ids) and 25 adds of the relay's own id.
    await queue.addBulk(
      Array.from({ length: 50 }, (_, i) => ({
        name: QUEUE_NAMES.deliver,
        data,
        opts: { jobId: i < 25 ? `duplicate-${i}` : deliverJobId(data) },
      })),
    );
    startNotifier({ concurrency: 50 });

    await eventually(async () => (await queue.getJobCounts('completed')).completed === 26);
    expect(await queue.getJobCounts('failed', 'waiting', 'active')).toEqual({
      failed: 0,
      waiting: 0,
      active: 0,
    });
    expect(receiver.received('/once')).toHaveLength(1);
    const [after] = await deliveriesOf(eventId);
    expect(after).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(after?.attemptsLog).toHaveLength(1);
  });

  it('offers an attempt whose worker died after claiming it again once its lease has ended', async () => {
    // Resweeping everything would take a minute; the overdue re-offer takes overdueAfterMs.
    relay = createDeliveryRelay({ ...ctx, queue, intervalMs: 50, overdueAfterMs: 300 });
    await addEndpoint('/orphan');
    const eventId = await createEvent();
    expect(await relay.runOnce()).toMatchObject({ enqueued: 1 });
    const [delivery] = await deliveriesOf(eventId);
    if (!delivery) throw new Error('no delivery');
    // A worker claims version 0's attempt (moving it to version 1, leased) and dies before sending.
    const claim = await ctx.store.write(claimAttempt, {
      deliveryId: delivery.id,
      scheduleVersion: 0,
      now: new Date(),
      leaseMs: 1,
    });
    expect(claim.kind).toBe('claimed');
    startNotifier();
    relay.start();
    await eventually(async () => (await deliveriesOf(eventId))[0]?.status === 'succeeded');
    expect(receiver.received('/orphan').map((r) => r.headers['webhook-id'])).toEqual([eventId]);
    expect(ctx.logs.join('')).not.toContain('offering pending deliveries to the queue again');
  });

  it('re-enqueues pending deliveries from the store after Redis is emptied, and all arrive', async () => {
    await addEndpoint('/a');
    const eventIds = [await createEvent(), await createEvent(), await createEvent()];
    expect(await relay.runOnce()).toMatchObject({ createdDeliveries: 3, enqueued: 3, redisOk: true });
    expect((await queue.getJobCounts('waiting')).waiting).toBe(3);

    const admin = new Redis(redisUrl);
    cleanups.push(() => void admin.disconnect());
    await admin.flushall();
    expect((await queue.getJobCounts('waiting')).waiting).toBe(0);

    startNotifier();
    relay.start();
    await eventually(async () => {
      for (const id of eventIds) if ((await deliveriesOf(id))[0]?.status !== 'succeeded') return false;
      return true;
    });
    expect(
      receiver
        .received('/a')
        .map((r) => r.headers['webhook-id'])
        .sort(),
    ).toEqual([...eventIds].sort());
    expect(ctx.logs.join('')).toContain('offering pending deliveries to the queue again');
  });

  it('keeps deliveries in the store while Redis is down, warns once, and delivers when it comes up', async () => {
    const port = await getFreePort();
    const url = `redis://127.0.0.1:${port}`;
    const downProducer = createProducerConnection(url);
    const downQueue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, { connection: downProducer, prefix });
    const downRelay = createDeliveryRelay({ ...ctx, queue: downQueue, intervalMs: 50, redisTimeoutMs: 200 });
    cleanups.push(async () => {
      await downRelay.stop();
      await downQueue.close();
      downProducer.disconnect();
    });
    const { secret } = await addEndpoint('/a');
    const eventId = await createEvent();

    for (let i = 0; i < 3; i++) {
      const tick = await downRelay.runOnce();
      expect(tick.redisOk).toBe(false);
    }
    expect(await deliveriesOf(eventId)).toMatchObject([{ status: 'pending', attempts: 0 }]);
    const warnings = ctx.logs.filter((line) => line.includes('redis unavailable'));
    expect(warnings).toHaveLength(1);
    expect(warnings.join('')).not.toContain(secret);

    const redis = await startRedisServer({ port });
    cleanups.push(() => redis.stop());
    const upWorker = createWorkerConnection(url);
    const upNotifier = createNotifier({ ...ctx, connection: upWorker, prefix, timeoutMs: 2_000 });
    cleanups.push(async () => {
      await upNotifier.close();
      upWorker.disconnect();
    });
    downRelay.start();
    await eventually(async () => (await deliveriesOf(eventId))[0]?.status === 'succeeded', {
      timeoutMs: 15_000,
    });
    expect(receiver.received('/a')).toHaveLength(1);
    await eventually(() => ctx.logs.some((line) => line.includes('redis reachable again')));
  });
});
