import { Redis } from 'ioredis';
import type { Address } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import type { InvoiceRecord } from '../../src/domain/invoice.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type Gateway, startGateway } from '../fixtures/gateway.ts';
import { auditDeliveries } from './support/delivery-audit.ts';

withSnapshot();

/** SPEC "The flow" step 3: SQLite is the source of truth; if Redis is lost, nothing is. */
const OUTAGE_MS = 10_000;
const INVOICES = 6;
const AMOUNT = 12_500_000n;

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[2]?.address as Address;

let gateway: Gateway | undefined;
let redis: RedisServer | undefined;

afterEach(async () => {
  await gateway?.stop();
  await redis?.stop();
  gateway = undefined;
  redis = undefined;
});

async function countTransfers(current: Gateway, status: string): Promise<number> {
  return (
    (await current.ctx.store.read(() =>
      pluck<number>('SELECT count(*) AS n FROM transfers WHERE status = ?').get(status),
    )) ?? 0
  );
}

describe('Redis outage', () => {
  it('delivers every event once Redis is back after a 10 s outage, with one invoice.paid per invoice', async () => {
    redis = await startRedisServer();
    const current = await startGateway({ redisUrl: redis.url, confirmations: 2 });
    gateway = current;
    const invoices: InvoiceRecord[] = [];
    for (let i = 0; i < INVOICES; i++) invoices.push(await current.createInvoice('12.5'));

    for (const invoice of invoices.slice(0, INVOICES / 2)) {
      await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: AMOUNT });
    }
    await redis.stop();
    const stoppedAt = Date.now();
    for (const invoice of invoices.slice(INVOICES / 2)) {
      await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: AMOUNT });
    }
    await mine(2);

    // Without Redis the watcher still records and confirms every payment in SQLite; the outage
    // lasts at least OUTAGE_MS, polled together with that condition.
    await waitUntil(
      async () =>
        (await countTransfers(current, 'confirmed')) === INVOICES && Date.now() - stoppedAt >= OUTAGE_MS,
      {
        timeoutMs: OUTAGE_MS + 20_000,
      },
    );
    const outageMs = Date.now() - stoppedAt;
    // The same port, empty: a Redis restarted without persistence has lost every job.
    redis = await startRedisServer({ port: redis.port });

    const paid = new Set(invoices.map((invoice) => invoice.id));
    const paidSeen = () =>
      new Set(
        current.receiver
          .received('/hook')
          .flatMap((w) => (w.type === 'invoice.paid' && paid.has(w.invoiceId) ? [w.invoiceId] : [])),
      );
    await current.waitFor(() => paidSeen().size === paid.size, 30_000);
    const audit = () =>
      auditDeliveries(current.ctx.store, current.receiver.received('/hook'), { paidInvoiceIds: [...paid] });
    await current.waitFor(async () => (await audit()).missing.length === 0, 30_000).catch(() => undefined);
    const result = await audit();
    console.log(
      `[reliability] redis outage: ${Math.round(outageMs / 1000)} s down, ${result.events} events, ` +
        `${result.delivered} delivered, ${result.missing.length} lost, ${result.duplicates} duplicates`,
    );
    expect(result.missing).toEqual([]);
    expect(result.forged).toEqual([]);
    expect(result.paidEventsNotOne).toEqual([]);
    expect(result.paidWebhooksNotOne).toEqual([]);
    const statuses = await current.ctx.store.read(() =>
      query('SELECT status, count(*) AS n FROM invoices GROUP BY status').all(),
    );
    expect(statuses).toEqual([{ status: 'paid', n: INVOICES }]);
  });

  it('keeps expiring invoices after Redis restarts empty (the expiry sweep is scheduled again)', async () => {
    redis = await startRedisServer();
    const current = await startGateway({ redisUrl: redis.url, confirmations: 1 });
    gateway = current;
    // The worker has registered its expiry sweep (a BullMQ job scheduler) before Redis goes away.
    const client = new Redis(redis.url);
    try {
      await waitUntil(async () => (await client.keys('*:maintenance:repeat*')).length > 0, {
        timeoutMs: 10_000,
      });
    } finally {
      client.disconnect();
    }
    await redis.stop();
    redis = await startRedisServer({ port: redis.port });
    const invoice = await current.createInvoice('1', { expiresInSeconds: 30 });
    current.clock.advance(60_000);
    await mine(1);
    // The sweep runs every EXPIRY_SWEEP_INTERVAL_MS (5 s) on a BullMQ job scheduler; a fresh Redis has none.
    await expect(
      current.waitFor(
        () =>
          current.webhooks().some((w) => w.type === 'invoice.expired' && w.data.invoice.id === invoice.id),
        20_000,
      ),
    ).resolves.toBeUndefined();
  });
});
