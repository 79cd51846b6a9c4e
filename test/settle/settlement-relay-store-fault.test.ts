import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Hash } from 'viem';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createProducerConnection } from '../../src/queue/connections.ts';
import { QUEUE_NAMES, type SettleJob } from '../../src/queue/jobs.ts';
import { createSettlementRelay, type SettlementRelay } from '../../src/settle/settlement-relay.ts';
import { commitScan } from '../../src/store/chain-state.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { query } from '../../src/store/sql.ts';
import { addMerchant, createTestContext, TEST_CHAIN, type TestContext } from '../fixtures/context.ts';

const redisUrl = inject('redisUrl');
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;

let ctx: TestContext;
let producer: Redis;
let queue: Queue<SettleJob>;
let relay: SettlementRelay | undefined;
let unhandled: unknown[];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  ctx = await createTestContext();
  producer = createProducerConnection(redisUrl);
  queue = new Queue<SettleJob>(QUEUE_NAMES.settle, { connection: producer, prefix: `fault-${randomUUID()}` });
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

/** Records a confirmed payment of an invoice, as the watcher does; returns the change to settle. */
async function recordPayment(): Promise<{ transferId: number; version: number }> {
  const { merchant } = await addMerchant(ctx);
  const token = TEST_CHAIN.tokens[0];
  if (!token) throw new Error('no token');
  const { invoice } = await ctx.store.write(
    createInvoice,
    {
      merchantId: merchant.id,
      chainId: TEST_CHAIN.chainId,
      token,
      amount: 5_000_000n,
      expiresInSeconds: 3600,
    },
    { publicUrl: ctx.config.publicUrl, now: ctx.clock.now() },
  );
  const block = { number: 10, hash: hash(10), parentHash: hash(9), timestamp: Math.floor(Date.now() / 1000) };
  await ctx.store.write(commitScan, {
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
    now: ctx.clock.now(),
  });
  const transfer = await ctx.store.read(function* () {
    return yield* query<{ id: number; version: number }>(
      'SELECT id, version FROM transfers WHERE invoice_id = ?',
    ).get(invoice.id);
  });
  if (!transfer) throw new Error('the payment was not recorded');
  return { transferId: transfer.id, version: transfer.version };
}

/** Renames a table through the store (DDL is transactional on both engines). */
function renameTable(from: string, to: string): Promise<void> {
  return ctx.store.write(function* () {
    yield* query(`ALTER TABLE ${from} RENAME TO ${to}`).run();
  });
}

describe('the settlement relay when its store read fails', () => {
  it('logs the failed read, reads again once the table is back and offers the settle job, the process alive', async () => {
    relay = createSettlementRelay({ ...ctx, queue, intervalMs: 20 });
    // A first tick with nothing to settle: the relay's read is now prepared (on SQLite, a cached
    // statement, which re-prepares on the schema change below and fails).
    expect(await relay.runOnce()).toMatchObject({ enqueued: 0, redisOk: true });
    const change = await recordPayment();

    // The table is taken away: the relay's read fails with a real database error.
    await renameTable('transfers', 'transfers_away');
    try {
      relay.start();
      const failures = () => ctx.logs.filter((line) => line.includes('settlement relay tick failed'));
      await waitUntil(() => failures().length >= 2, { timeoutMs: 5_000 });
      expect(failures().join('')).toMatch(/no such table: transfers|relation "transfers" does not exist/);
      expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 0 });
    } finally {
      await renameTable('transfers_away', 'transfers');
    }
    await waitUntil(async () => (await queue.getJobCounts('waiting')).waiting === 1, { timeoutMs: 5_000 });
    const [job] = await queue.getJobs(['waiting']);
    expect(job?.data.changes).toEqual([change]);
    expect(unhandled).toEqual([]);
  });
});
