import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createDeliveryRelay, type DeliveryRelay } from '../../src/notify/delivery-relay.ts';
import { createProducerConnection } from '../../src/queue/connections.ts';
import { type DeliverJob, QUEUE_NAMES } from '../../src/queue/jobs.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { query } from '../../src/store/sql.ts';
import { createWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

const redisUrl = inject('redisUrl');

let ctx: TestContext;
let producer: Redis;
let queue: Queue<DeliverJob>;
let relay: DeliveryRelay | undefined;
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  ctx = await createTestContext();
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
  await ctx.close();
});

/** Renames a table through the store (DDL is transactional on both engines). */
function renameTable(from: string, to: string): Promise<void> {
  return ctx.store.write(function* () {
    yield* query(`ALTER TABLE ${from} RENAME TO ${to}`).run();
  });
}

describe('the delivery relay when its store read fails', () => {
  it('logs the failed fan-out, reads again once the table is back and offers the delivery job, the process alive', async () => {
    const { merchant } = await addMerchant(ctx);
    await ctx.store.write(createWebhookEndpoint, {
      merchantId: merchant.id,
      url: 'http://127.0.0.1:9/hooks',
      events: null,
      now: ctx.clock.now(),
      secrets: ctx.secrets,
    });
    relay = createDeliveryRelay({ ...ctx, queue, intervalMs: 20 });
    // A first tick with nothing to fan out: the relay's reads are now prepared (on SQLite, cached
    // statements, which must fail on the schema change rather than read a table that is gone).
    expect(await relay.runOnce()).toMatchObject({ fannedOutEvents: 0, redisOk: true });
    const token = TEST_CHAIN.tokens[0];
    if (!token) throw new Error('no token');
    // Its invoice.created event waits in the outbox.
    await ctx.store.write(
      createInvoice,
      {
        merchantId: merchant.id,
        chainId: TEST_CHAIN.chainId,
        token,
        amount: 1_000_000n,
        expiresInSeconds: 3600,
      },
      { publicUrl: ctx.config.publicUrl, now: ctx.clock.now() },
    );

    // The events table is taken away: the fan-out's read fails as a real database error does.
    await renameTable('events', 'events_away');
    try {
      relay.start();
      const failures = () => ctx.logs.filter((line) => line.includes('delivery relay tick failed'));
      await waitUntil(() => failures().length >= 2, { timeoutMs: 5_000 });
      expect(failures().join('')).toMatch(/no such table: events|relation "events" does not exist/);
    } finally {
      await renameTable('events_away', 'events');
    }
    await waitUntil(async () => (await queue.getJobCounts('waiting', 'delayed')).waiting === 1, {
      timeoutMs: 5_000,
    });
    expect(ctx.logs.join('')).not.toContain('redis unavailable');
    expect(unhandled).toEqual([]);
  });
});
