import { Redis } from 'ioredis';
import type { Address } from 'viem';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { startWorkers, type Workers } from '../../src/runtime/start-workers.ts';
import { query } from '../../src/store/sql.ts';
import type { Store } from '../../src/store/store.ts';
import { sendToken, withSnapshot } from '../fixtures/chain.ts';
import type { CliProcess } from '../fixtures/cli-process.ts';
import { createTestContext, type TestContext } from '../fixtures/context.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { type ProcessHarness, withProcessHarness } from '../reliability/support/process-harness.ts';

/**
 * `watch` and `serve` commit in their processes; the relays run in another (this test's, through
 * the product's startWorkers as `stablegate work` runs it). With the relays' poll stretched to 10 s,
 * only a Redis wake-up can get a commit relayed within WOKEN_WITHIN_MS.
 */
const LONG_POLL_MS = 10_000;
const WOKEN_WITHIN_MS = 2_000;
const PUBLISH_FAILED = 'cannot publish relay wake-ups';
const SUBSCRIBE_FAILED = 'cannot subscribe to relay wake-ups';

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[2]?.address as Address;

withSnapshot();
const harness = withProcessHarness();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
// Registered after the harness, so (hooks unwind as a stack) the workers stop before its Redis does.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The workers of `stablegate work`, in this process, on the deployment's database and Redis. */
async function startWork(
  deployment: { env: Record<string, string>; chain: TestContext['config']['chains'][number] },
  relayIntervalMs?: number,
): Promise<{ ctx: TestContext; workers: Workers }> {
  const ctx = await createTestContext({
    chains: [deployment.chain],
    config: {
      databasePath: deployment.env.DATABASE_PATH as string,
      databaseUrl: deployment.env.DATABASE_URL,
      secretKey: deployment.env.STABLEGATE_SECRET_KEY,
    },
  });
  const workers = await startWorkers(ctx, {
    redisUrl: deployment.env.REDIS_URL as string,
    wakeUps: true,
    ...(relayIntervalMs ? { relayIntervalMs } : {}),
  });
  cleanups.push(() => ctx.close());
  cleanups.push(() => workers.close());
  return { ctx, workers };
}

/** Until Redis lists a subscriber on the channel: from then on a publish reaches it. */
async function subscribed(redisUrl: string, kind: 'settle' | 'deliver'): Promise<void> {
  const probe = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await waitUntil(
      async () => ((await probe.pubsub('NUMSUB', `stablegate:wake:${kind}`)) as [string, number])[1] > 0,
      { timeoutMs: 10_000 },
    );
  } finally {
    probe.disconnect();
  }
}

async function startWatch(h: ProcessHarness, env: Record<string, string>, chainId: number) {
  const watch = h.startCli('watch', ['watch', '--chain', String(chainId)], env);
  await watch.waitForLine(/watcher lock acquired/, 60_000);
  return watch;
}

async function timestamps(store: Store, invoiceId: string) {
  const { transfer, paid } = await store.read(function* () {
    return {
      transfer: yield* query<{ detected_at: string }>(
        'SELECT detected_at FROM transfers WHERE invoice_id = ?',
      ).get(invoiceId),
      paid: yield* query<{ created_at: string }>(
        "SELECT created_at FROM events WHERE invoice_id = ? AND type = 'invoice.paid'",
      ).get(invoiceId),
    };
  });
  return {
    detectedAt: transfer && Date.parse(transfer.detected_at),
    paidAt: paid && Date.parse(paid.created_at),
  };
}

const logged = (cli: CliProcess, text: string) => cli.lines().filter((line) => line.includes(text)).length;

describe('watch, serve and work as separate processes', () => {
  test("the watcher's commit wakes the settlement relay of another process at once, not at its poll", async () => {
    const { redis, deployment } = await harness.deploy({ chain: devnetChain(1) });
    const watch = await startWatch(harness, deployment.env, deployment.chain.chainId);
    await startWork(deployment, LONG_POLL_MS);
    await subscribed(redis.url, 'settle');
    // The relay ticked once on start and now sleeps 10 s; the payment lands within that sleep.
    const invoice = await deployment.createInvoice(12_500_000n);
    await sendToken({
      token: usdc(),
      from: payer(),
      to: invoice.depositAddress as Address,
      amount: 12_500_000n,
    });

    await waitUntil(async () => (await timestamps(deployment.store, invoice.id)).paidAt !== undefined, {
      timeoutMs: LONG_POLL_MS - 1_000,
    }).catch((error: Error) => {
      throw new Error(`not settled before the relay's poll: ${error.message}\n${watch.output()}`);
    });
    const { detectedAt, paidAt } = await timestamps(deployment.store, invoice.id);
    // From the watcher's commit (in its process) to invoice.paid (settled by this one).
    expect((paidAt as number) - (detectedAt as number)).toBeLessThan(WOKEN_WITHIN_MS);
    expect(logged(watch, PUBLISH_FAILED)).toBe(0);
  }, 90_000);

  test('an invoice created through serve is delivered by the relay of another process at once', async () => {
    const { redis, sink, deployment } = await harness.deploy({ chain: devnetChain(1) });
    const port = await getFreePort();
    const serve = harness.startCli('serve', ['serve'], { ...deployment.env, PORT: String(port) });
    await serve.waitForLine(/API listening/, 60_000);
    await startWork(deployment, LONG_POLL_MS);
    await subscribed(redis.url, 'deliver');

    const response = await fetch(`http://127.0.0.1:${port}/v1/invoices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployment.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '5', currency: 'USDC', chainId: deployment.chain.chainId }),
    });
    expect(response.status).toBe(201);
    const createdAt = Date.now();
    const { id } = (await response.json()) as { id: string };
    const created = () =>
      sink.received().find((request) => request.type === 'invoice.created' && request.invoiceId === id);
    await waitUntil(() => created() !== undefined, { timeoutMs: LONG_POLL_MS - 1_000 }).catch(
      (error: Error) => {
        throw new Error(`not delivered before the relay's poll: ${error.message}\n${serve.output()}`);
      },
    );
    expect(created()?.verified).toBe(true);
    expect((created()?.receivedAt as number) - createdAt).toBeLessThan(WOKEN_WITHIN_MS);
  }, 90_000);

  test('with pub/sub refused by Redis, the relays settle and deliver by polling; each side logs it once', async () => {
    const { redis, sink, deployment } = await harness.deploy({ chain: devnetChain(1) });
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    cleanups.push(() => admin.disconnect());
    // As a proxy or a managed Redis without pub/sub would: PUBLISH and SUBSCRIBE are refused,
    // while the queues' own commands still work.
    await admin.call('ACL', 'SETUSER', 'default', '-@pubsub');
    const watch = await startWatch(harness, deployment.env, deployment.chain.chainId);
    // The relays' default poll, as `stablegate work` runs them.
    const { ctx } = await startWork(deployment);

    for (const amount of [3_000_000n, 4_000_000n]) {
      const invoice = await deployment.createInvoice(amount);
      await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress as Address, amount });
      await waitUntil(
        () =>
          sink
            .received()
            .some((request) => request.type === 'invoice.paid' && request.invoiceId === invoice.id),
        { timeoutMs: 20_000 },
      ).catch((error: Error) => {
        throw new Error(
          `not delivered by polling: ${error.message}\n${watch.output()}\n${ctx.logs.join('')}`,
        );
      });
    }
    // Two commits, two failed publishes, one line; the subscriber's refusal, one line.
    expect(logged(watch, PUBLISH_FAILED)).toBe(1);
    expect(ctx.logs.filter((line) => line.includes(SUBSCRIBE_FAILED))).toHaveLength(1);
  }, 90_000);
});
