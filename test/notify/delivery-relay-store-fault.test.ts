import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createDeliveryRelay, type DeliveryRelay } from '../../src/notify/delivery-relay.ts';
import { createProducerConnection } from '../../src/queue/connections.ts';
import { type DeliverJob, QUEUE_NAMES } from '../../src/queue/jobs.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { createWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

const redisUrl = inject('redisUrl');

let ctx: TestContext;
let producer: Redis;
let queue: Queue<DeliverJob>;
let relay: DeliveryRelay | undefined;
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  ctx = createTestContext();
  producer = createProducerConnection(redisUrl);
  queue = new Queue<DeliverJob>(QUEUE_NAMES.deliver, {
    connection: producer,
    prefix: `fault-${randomUUID()}`,
  });
  relay = undefined;
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await relay?.stop();
  process.off('unhandledRejection', onUnhandled);
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  ctx.close();
});

describe('the delivery relay when its store read fails', () => {
  it('logs the failed fan-out, reads again once the table is back and offers the delivery job, the process alive', async () => {
    const { merchant } = addMerchant(ctx);
    createWebhookEndpoint(ctx.db, {
      merchantId: merchant.id,
      url: 'http://127.0.0.1:9/hooks',
      events: null,
      now: ctx.clock.now(),
      secrets: ctx.secrets,
    });
    relay = createDeliveryRelay({ ...ctx, queue, intervalMs: 20 });
    // A first tick with nothing to fan out: the relay's reads are now prepared, cached statements.
    expect(await relay.runOnce()).toMatchObject({ fannedOutEvents: 0, redisOk: true });
    const token = TEST_CHAIN.tokens[0];
    if (!token) throw new Error('no token');
    // Its invoice.created event waits in the outbox.
    createInvoice(
      ctx.db,
      {
        merchantId: merchant.id,
        chainId: TEST_CHAIN.chainId,
        token,
        amount: 1_000_000n,
        expiresInSeconds: 3600,
      },
      { publicUrl: ctx.config.publicUrl, now: ctx.clock.now() },
    );

    // Another connection takes the events table away: the fan-out's read fails with "no such table".
    const other = new Database(ctx.config.databasePath);
    try {
      other.exec('ALTER TABLE events RENAME TO events_away');
      relay.start();
      const failures = () => ctx.logs.filter((line) => line.includes('delivery relay tick failed'));
      await waitUntil(() => failures().length >= 2, { timeoutMs: 5_000 });
      expect(failures().join('')).toContain('no such table: events');
      other.exec('ALTER TABLE events_away RENAME TO events');
    } finally {
      other.close();
    }
    await waitUntil(async () => (await queue.getJobCounts('waiting', 'delayed')).waiting === 1, {
      timeoutMs: 5_000,
    });
    expect(ctx.logs.join('')).not.toContain('redis unavailable');
    expect(unhandled).toEqual([]);
  });
});
