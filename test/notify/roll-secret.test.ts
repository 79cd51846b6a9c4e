import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../harness/webhook-receiver.ts';
import { WEBHOOK_SECRET_OVERLAP_MS } from '../../src/domain/webhook-secret.ts';
import { createDeliveryRelay, type DeliveryRelay } from '../../src/notify/delivery-relay.ts';
import { createNotifier, type Notifier } from '../../src/notify/notifier.ts';
import { createProducerConnection, createWorkerConnection } from '../../src/queue/connections.ts';
import { type DeliverJob, QUEUE_NAMES } from '../../src/queue/jobs.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import { addMerchant, createManualClock, createTestContext, type TestContext } from '../fixtures/context.ts';
import { eventually } from './eventually.ts';

/**
 * Rolling a webhook secret end to end: the API rolls it, the real notifier signs and sends to a
 * real receiver, which verifies with the standardwebhooks package as a merchant would. The roll
 * happens at a clock time in the past and the delivery at the present, so that the receiver's
 * 5-minute timestamp tolerance (which uses the real time) never decides the outcome: only the
 * signatures do.
 */
const redisUrl = inject('redisUrl');
const MINUTE_MS = 60_000;

let ctx: TestContext;
let clock: ReturnType<typeof createManualClock>;
let receiver: WebhookReceiver;
let producer: Redis;
let workerConnection: Redis;
let queue: Queue<DeliverJob>;
let relay: DeliveryRelay;
let notifier: Notifier;
let apiKey: string;

/** Starts the context with its clock `rollAgoMs` before the real now: the time of the roll. */
async function start(rollAgoMs: number) {
  clock = createManualClock(new Date(Date.now() - rollAgoMs));
  ctx = await createTestContext({ clock });
  apiKey = (await addMerchant(ctx)).apiKey;
  receiver = await startWebhookReceiver();
  producer = createProducerConnection(redisUrl);
  workerConnection = createWorkerConnection(redisUrl);
  const prefix = `test-${randomUUID()}`;
  queue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, { connection: producer, prefix });
  relay = createDeliveryRelay({ ...ctx, queue, intervalMs: 50 });
  notifier = createNotifier({ ...ctx, connection: workerConnection, prefix, timeoutMs: 2_000 });
}

afterEach(async () => {
  await relay.stop();
  await notifier.close();
  await queue.close();
  producer.disconnect();
  workerConnection.disconnect();
  await receiver.close();
  await ctx.close();
});

async function call(path: string, body?: unknown) {
  const app = createApi(ctx, { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) });
  const response = await app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return response.json();
}

/** Registers an endpoint, rolls its secret (twice when asked) and returns every secret it had. */
async function registerAndRoll(rolls: number): Promise<{ id: string; secrets: string[] }> {
  const endpoint = await call('/v1/webhook-endpoints', { url: receiver.url('/hook') });
  const secrets = [endpoint.secret as string];
  for (let i = 0; i < rolls; i++) {
    const rolled = await call(`/v1/webhook-endpoints/${endpoint.id}/roll-secret`);
    expect(rolled.secret).toMatch(/^whsec_/);
    expect(rolled.previousSecretExpiresAt).toBe(
      new Date(clock.now().getTime() + WEBHOOK_SECRET_OVERLAP_MS).toISOString(),
    );
    secrets.push(rolled.secret);
  }
  return { id: endpoint.id, secrets };
}

/** Creates an invoice now (its invoice.created event) and waits for the delivery. */
async function deliverOne(): Promise<ReceivedWebhook> {
  await call('/v1/invoices', { amount: '1', currency: 'USDC', chainId: 31337 });
  relay.start();
  return eventually(() => receiver.received('/hook')[0]);
}

const verifies = (secret: string, request: ReceivedWebhook) => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

describe('rolling a webhook secret', () => {
  it('signs with both the new and the previous secret during the 24 h after the roll', async () => {
    await start(WEBHOOK_SECRET_OVERLAP_MS - 2 * MINUTE_MS);
    const { secrets } = await registerAndRoll(1);
    clock.advance(WEBHOOK_SECRET_OVERLAP_MS - 2 * MINUTE_MS);
    const request = await deliverOne();
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifies(secrets[0] ?? '', request)).toBe(true);
    expect(verifies(secrets[1] ?? '', request)).toBe(true);
  });

  it('signs with the new secret alone once the 24 h are over', async () => {
    await start(WEBHOOK_SECRET_OVERLAP_MS + 2 * MINUTE_MS);
    const { secrets } = await registerAndRoll(1);
    clock.advance(WEBHOOK_SECRET_OVERLAP_MS + 2 * MINUTE_MS);
    const request = await deliverOne();
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(verifies(secrets[0] ?? '', request)).toBe(false);
    expect(verifies(secrets[1] ?? '', request)).toBe(true);
  });

  it('keeps only the latest previous secret when rolled twice within 24 h', async () => {
    await start(MINUTE_MS);
    const { secrets } = await registerAndRoll(2);
    clock.advance(MINUTE_MS);
    const request = await deliverOne();
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(secrets.map((secret) => verifies(secret, request))).toEqual([false, true, true]);
    expect(ctx.logs.join('')).not.toMatch(/whsec_/);
  });

  it('answers another merchant’s endpoint as not found', async () => {
    await start(0);
    const { id } = await registerAndRoll(0);
    const other = (await addMerchant(ctx, 'Other', 2)).apiKey;
    const app = createApi(ctx, { checkWebhookUrl: async (url: string) => ({ ok: true as const, url }) });
    const response = await app.request(`/v1/webhook-endpoints/${id}/roll-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}` },
    });
    expect(response.status).toBe(404);
    expect((await response.json()).code).toBe('webhook_endpoint_not_found');
  });
});
