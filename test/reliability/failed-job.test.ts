import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Hash } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookReceiver } from '../../harness/webhook-receiver.ts';
import { type RedisServer, startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createDeliveryRelay } from '../../src/notify/delivery-relay.ts';
import { type DeliverJob, QUEUE_NAMES, type SettleJob } from '../../src/queue/jobs.ts';
import { startWorkers, type Workers } from '../../src/runtime/start-workers.ts';
import { createSettlementRelay } from '../../src/settle/settlement-relay.ts';
import { commitScan } from '../../src/store/chain-state.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { pluck } from '../../src/store/sql.ts';
import { createWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';
import { startWebhookSink } from './support/process-harness.ts';

let redis: RedisServer | undefined;
let ctx: TestContext | undefined;
let workers: Workers | undefined;
let sink: WebhookReceiver | undefined;

afterEach(async () => {
  await workers?.close();
  await sink?.close();
  await redis?.stop();
  await ctx?.close();
  workers = undefined;
  sink = undefined;
  redis = undefined;
  ctx = undefined;
});

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;

/** A queue and a worker that fails every job for good, as a worker dying twice on a job makes BullMQ do. */
function startDyingWorker<T>(url: string, name: string, prefix: string) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const workerConnection = connection.duplicate();
  const queue = new Queue<T>(name, { connection, prefix });
  let failed = 0;
  const worker = new Worker<T>(
    name,
    async () => {
      throw new UnrecoverableError('job stalled more than allowable limit (simulated)');
    },
    { connection: workerConnection, prefix },
  );
  worker.on('failed', () => {
    failed++;
  });
  return {
    queue,
    failed: () => failed,
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
      workerConnection.disconnect();
    },
  };
}

describe('a job that failed for good', () => {
  // BullMQ fails a job for good when it stalls twice (its worker killed twice while holding it,
  // which the crash-anywhere chaos scenario hit once in three runs) or runs out of attempts. The
  // relay re-offers unsettled work under the same deterministic job id; if the failed job were
  // kept, every re-add would be a no-op and the payment or webhook would never be handled.
  it("does not stop a settle job's transfer from being settled once a worker can", async () => {
    redis = await startRedisServer();
    const current = await createTestContext();
    ctx = current;
    const { merchant } = await addMerchant(current);
    const token = TEST_CHAIN.tokens[0];
    if (!token) throw new Error('no token');
    const { invoice } = await current.store.write(
      createInvoice,
      {
        merchantId: merchant.id,
        chainId: TEST_CHAIN.chainId,
        token,
        amount: 5_000_000n,
        expiresInSeconds: 3600,
      },
      { publicUrl: current.config.publicUrl, now: current.clock.now() },
    );
    // The watcher recorded a confirmed payment for the invoice.
    const block = {
      number: 10,
      hash: hash(10),
      parentHash: hash(9),
      timestamp: Math.floor(Date.now() / 1000),
    };
    await current.store.write(commitScan, {
      chainId: TEST_CHAIN.chainId,
      transfers: [
        {
          invoiceId: invoice.id,
          tokenAddress: token.address,
          txHash: hash(1),
          logIndex: 0,
          blockNumber: 10,
          blockHash: block.hash,
          blockTimestamp: block.timestamp,
          from: '0x000000000000000000000000000000000000dEaD',
          to: invoice.depositAddress,
          amount: 5_000_000n,
        },
      ],
      blocks: [block],
      cursor: block,
      headNumber: 20,
      indexedRowId: 1,
      confirmedThrough: block.number,
      windowSize: 64,
      now: current.clock.now(),
    });

    // Its settle job is offered by the relay and fails for good (a worker that died on it twice).
    const prefix = `failed-${randomUUID()}`;
    const dying = startDyingWorker<SettleJob>(redis.url, QUEUE_NAMES.settle, prefix);
    await createSettlementRelay({ ...current, queue: dying.queue }).runOnce();
    await waitUntil(() => dying.failed() === 1, { timeoutMs: 10_000 });
    await dying.close();

    // A healthy worker starts: its relay offers the unsettled transfer again.
    workers = await startWorkers(current, { redisUrl: redis.url, prefix });
    const status = () =>
      current.store.read(() => pluck<string>('SELECT status FROM invoices WHERE id = ?').get(invoice.id));
    const settled = await waitUntil(async () => (await status()) === 'paid', { timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    );
    console.log(
      `[reliability] failed settle job: invoice ${String(await status())} after a healthy worker started`,
    );
    expect(settled).toBe(true);
  });

  it("does not stop a deliver job's webhook from being sent once a worker can", async () => {
    redis = await startRedisServer();
    const current = await createTestContext();
    ctx = current;
    const currentSink = await startWebhookSink();
    sink = currentSink;
    const { merchant } = await addMerchant(current);
    await current.store.write(createWebhookEndpoint, {
      merchantId: merchant.id,
      url: currentSink.url(),
      events: null,
      now: current.clock.now(),
      secrets: current.secrets,
    });
    const token = TEST_CHAIN.tokens[0];
    if (!token) throw new Error('no token');
    // invoice.created is in the outbox; its delivery's first job fails for good.
    await current.store.write(
      createInvoice,
      {
        merchantId: merchant.id,
        chainId: TEST_CHAIN.chainId,
        token,
        amount: 1_000_000n,
        expiresInSeconds: 3600,
      },
      { publicUrl: current.config.publicUrl, now: current.clock.now() },
    );
    const prefix = `failed-${randomUUID()}`;
    const dying = startDyingWorker<DeliverJob>(redis.url, QUEUE_NAMES.deliver, prefix);
    await createDeliveryRelay({ ...current, queue: dying.queue }).runOnce();
    await waitUntil(() => dying.failed() === 1, { timeoutMs: 10_000 });
    await dying.close();

    workers = await startWorkers(current, { redisUrl: redis.url, prefix });
    const delivered = await waitUntil(() => currentSink.received().length > 0, { timeoutMs: 10_000 }).then(
      () => true,
      () => false,
    );
    console.log(
      `[reliability] failed deliver job: ${currentSink.received().length} webhooks after a healthy worker started`,
    );
    expect(delivered).toBe(true);
  });
});
