import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { measureCommitRate } from '../lib/commit-probe.ts';
import { waitFor } from '../lib/poll.ts';
import { cpuSeconds, rssMiB } from '../lib/proc-stats.ts';
import { writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import { addEndpoint, addMerchant, insertInvoices, randomAddresses } from '../lib/seed.ts';
import { spawnTsx } from '../lib/spawn-child.ts';
import { fmt, summarize } from '../lib/stats.ts';
import { type Storage, storages } from '../lib/storage.ts';
import { printTable } from '../lib/table.ts';
import { startVerifyingReceiver } from '../lib/verifying-receiver.ts';

const PIPELINE = new URL('../lib/pipeline-child.ts', import.meta.url).pathname;
const CHAIN_ID = 31337;
const TOKEN = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const, decimals: 6 };

/**
 * 5. Settlement and webhooks: 10,000 confirmed transfers, each paying one open invoice in full,
 * are committed at once (as one watcher batch would be); the workers (settlement relay, BullMQ
 * settlement worker, delivery relay, notifier) run in their own process; a local receiver verifies
 * every Standard Webhooks signature. Measured: commit → the 10,000th verified `invoice.paid`.
 */
async function runOn(options: ScenarioOptions, storage: Storage) {
  const count = options.quick ? 1_000 : 10_000;
  const dir = mkdtempSync(join(storage.dir, 'stablegate-bench-webhooks-'));
  const redis = await startRedisServer();
  const receiver = await startVerifyingReceiver();
  const databasePath = join(dir, 'stablegate.db');
  const store = openSqliteStore(databasePath);
  const { merchantId } = await addMerchant(store, 30);
  receiver.setSecret(await addEndpoint(store, { databasePath }, merchantId, receiver.url, ['invoice.paid']));
  const amount = 5_000_000n;
  const invoices = insertInvoices(store, {
    merchantId,
    chainId: CHAIN_ID,
    token: TOKEN,
    amount,
    addresses: randomAddresses(count),
    watchFromBlock: 0,
  });
  const chain = {
    chainId: CHAIN_ID,
    name: 'anvil',
    rpcUrl: 'http://127.0.0.1:9',
    confirmations: 1,
    tokens: [TOKEN],
  };
  const pipeline = spawnTsx(PIPELINE, {
    env: {
      BENCH_PIPELINE: JSON.stringify({
        databasePath,
        redisUrl: redis.url,
        prefix: 'bench-webhooks',
        chain,
        watcher: false,
        workers: true,
      }),
    },
    ...(options.profile ? { cpuProfile: `webhooks-stablegate-${storage.name}` } : {}),
  });
  try {
    await pipeline.message('ready');
    const rssBefore = rssMiB(pipeline.pid);
    const cpuBefore = {
      workers: cpuSeconds(pipeline.pid),
      redis: cpuSeconds(redis.pid),
      receiver: process.cpuUsage(),
    };

    const insert = query(
      `INSERT INTO transfers (chain_id, invoice_id, token_address, tx_hash, log_index, block_number, block_hash, block_timestamp,
         from_address, to_address, amount, status, confirmations, detected_at, updated_at)
       VALUES (?, ?, ?, ?, 0, 100, ?, ?, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', ?, ?, 'confirmed', 1, ?, ?)`,
    );
    const committedAt = Date.now();
    const now = new Date(committedAt).toISOString();
    const blockTimestamp = Math.floor(committedAt / 1000);
    await store.write(function* () {
      for (const invoice of invoices) {
        yield* insert.run(
          CHAIN_ID,
          invoice.id,
          TOKEN.address,
          `0x${randomBytes(32).toString('hex')}`,
          `0x${randomBytes(32).toString('hex')}`,
          blockTimestamp,
          invoice.depositAddress,
          amount.toString(),
          now,
          now,
        );
      }
    });

    let rssPeak = rssBefore;
    const done = await waitFor(
      () => {
        rssPeak = Math.max(rssPeak, rssMiB(pipeline.pid) || 0);
        return receiver.paid().length >= count;
      },
      options.quick ? 120_000 : 600_000,
      20,
    );
    const finishedAt = Date.now();
    const cpu = {
      workers: cpuSeconds(pipeline.pid) - cpuBefore.workers,
      redis: cpuSeconds(redis.pid) - cpuBefore.redis,
      receiver:
        (process.cpuUsage(cpuBefore.receiver).user + process.cpuUsage(cpuBefore.receiver).system) / 1e6,
    };
    const paid = receiver.paid();
    const settledAt = (
      await store.read(function* () {
        return yield* pluck<string>("SELECT created_at FROM events WHERE type = 'invoice.paid'").all();
      })
    ).map((createdAt) => Date.parse(createdAt));
    const lastSettled = Math.max(...settledAt);
    const lastWebhook = Math.max(...paid.map((item) => item.receivedAt));
    const latencies = summarize(paid.map((item) => item.receivedAt - committedAt));
    const counts = receiver.counts();
    const ceiling = measureCommitRate(3_000, storage.dir);
    const seconds = (lastWebhook - committedAt) / 1000;
    printTable(
      `Settlement and webhooks, database on ${storage.label}: ${fmt(count)} confirmed transfers → ${fmt(count)} invoice.paid webhooks (verified)`,
      ['measure', 'value'],
      [
        ['all delivered', done ? 'yes' : `no: ${paid.length} of ${count} before the deadline`],
        ['commit → last webhook (s)', fmt(seconds, 2)],
        ['webhooks/s end to end', fmt(paid.length / seconds, 0)],
        ['commit → last invoice.paid event written (s)', fmt((lastSettled - committedAt) / 1000, 2)],
        ['settlements/s', fmt(settledAt.length / ((lastSettled - committedAt) / 1000), 0)],
        [
          'per-invoice commit → webhook p50 / p99 (ms)',
          `${fmt(latencies.p50, 0)} / ${fmt(latencies.p99, 0)}`,
        ],
        [
          'requests / verified / rejected / duplicate',
          `${counts.requests} / ${counts.verified} / ${counts.rejected} / ${counts.duplicates}`,
        ],
        ['disk ceiling: durable SQLite commits/s (same run)', fmt(ceiling.commitsPerSecond, 0)],
        ['workers RSS before / peak (MiB)', `${fmt(rssBefore, 0)} / ${fmt(rssPeak, 0)}`],
        [
          'CPU s: workers / redis-server / receiver+bench',
          `${fmt(cpu.workers, 2)} / ${fmt(cpu.redis, 2)} / ${fmt(cpu.receiver, 2)}`,
        ],
      ],
    );
    void finishedAt;
    return writeResult(`webhooks-${storage.name}`, {
      count,
      done,
      seconds,
      webhooksPerSecond: paid.length / seconds,
      settleSeconds: (lastSettled - committedAt) / 1000,
      latencies,
      counts,
      rssBefore,
      rssPeak,
      cpu,
      commitCeiling: ceiling,
    });
  } finally {
    await pipeline.stop();
    await receiver.close();
    await redis.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same benchmark with the database on the disk, then on tmpfs: the difference is fsync. */
async function run(options: ScenarioOptions) {
  for (const storage of storages()) await runOn(options, storage);
}

export const webhooks: Scenario = { name: 'webhooks', title: 'Settlement and webhooks', run };
