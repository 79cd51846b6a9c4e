import { type IncomingMessage, request } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Address, TransactionReceipt } from 'viem';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import type { InvoiceRecord } from '../../src/domain/invoice.ts';
import { QUEUE_NAMES } from '../../src/queue/jobs.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { createTestClients, mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import type { CliProcess } from '../fixtures/cli-process.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditOncePaid } from '../reliability/support/delivery-audit.ts';
import { withProcessHarness } from '../reliability/support/process-harness.ts';
import { type Outcome, startLoad } from './support/http-load.ts';
import { scaled } from './support/pipeline.ts';

withSnapshot();

/** SPEC-level promise to operators (README "Running in production"): SIGTERM stops gracefully. */
const EXIT_WITHIN_MS = 25_000;
const CONNECTIONS = 50;
const SLOW_UPLOADS = 5;
/** Between two payments in the watch/work scenario. */
const PAYMENT_GAP_MS = 150;

const harness = withProcessHarness({ stopGraceMs: 2_000 });

/** `exited`, or 'timeout' after `ms`. */
const exitWithin = (process: CliProcess, ms: number) =>
  Promise.race([
    process.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms)),
  ]);

const invoiceBody = JSON.stringify({ amount: '12.5', currency: 'USDC', chainId: 31337, description: 'load' });

/**
 * A POST whose headers the server has parsed (it answered `100 Continue`, RFC 9110 §10.1.1) and
 * whose body is half sent: in flight from the server's point of view. `finish()` sends the rest.
 */
function startSlowUpload(base: string, apiKey: string) {
  const body = Buffer.from(invoiceBody);
  let resolveStatus: (status: number | string) => void = () => undefined;
  const status = new Promise<number | string>((resolve) => {
    resolveStatus = resolve;
  });
  let accepted = false;
  const req = request(`${base}/v1/invoices`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
      expect: '100-continue',
    },
  });
  req.on('continue', () => {
    req.write(body.subarray(0, 10), () => {
      accepted = true;
    });
  });
  req.on('response', (res: IncomingMessage) => {
    res.resume();
    res.on('end', () => resolveStatus(res.statusCode ?? 0));
  });
  req.on('error', (error: NodeJS.ErrnoException) => resolveStatus(error.code ?? error.message));
  req.flushHeaders();
  return {
    accepted: () => accepted,
    finish(): Promise<number | string> {
      req.end(body.subarray(10));
      return status;
    },
  };
}

describe('graceful shutdown of `stablegate serve`', () => {
  it('lets in-flight requests finish under load and exits 0 within 25 s of SIGTERM', async () => {
    const { deployment } = await harness.deployWithoutWebhooks({ chain: devnetChain(1) });
    const port = await getFreePort();
    const server = harness.startCli('serve', ['serve'], { ...deployment.env, PORT: String(port) });
    await server.waitForLine(/API listening/, 60_000);
    const base = `http://127.0.0.1:${port}`;
    const seeded: string[] = [];
    for (let i = 0; i < 20; i++) seeded.push((await deployment.createInvoice(5_000_000n)).id);

    const load = startLoad({
      base,
      connections: CONNECTIONS,
      headers: { authorization: `Bearer ${deployment.apiKey}` },
      next: (loop, n) =>
        (loop + n) % 3 === 0
          ? { method: 'POST', path: '/v1/invoices', body: invoiceBody }
          : { method: 'GET', path: `/v1/invoices/${seeded[(loop + n) % seeded.length]}` },
    });
    // A payer's page holds a live status stream open (Server-Sent Events).
    const stream = new Promise<string>((resolve) => {
      const req = request(`${base}/pay/${seeded[0]}/events`, (res) => {
        res.resume();
        res.on('end', () => resolve('ended'));
        res.on('error', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
      req.end();
    });
    await waitUntil(() => load.outcomes.length >= 1_000, { timeoutMs: 60_000 });
    const uploads = Array.from({ length: SLOW_UPLOADS }, () => startSlowUpload(base, deployment.apiKey));
    await waitUntil(() => uploads.every((upload) => upload.accepted()), { timeoutMs: 30_000 });

    const signalledAt = Date.now();
    server.kill('SIGTERM');
    await server.waitForLine(/shutting down/, 10_000);
    const uploadStatuses = await Promise.all(uploads.map((upload) => upload.finish()));
    const exit = await Promise.race([
      server.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), EXIT_WITHIN_MS)),
    ]);
    const exitedAfterMs = Date.now() - signalledAt;
    const outcomes = await load.stop();
    const streamEnd = await Promise.race([stream, Promise.resolve('still open')]);

    const before = outcomes.filter((outcome) => outcome.startedAt < signalledAt);
    const inFlight = before.filter((outcome) => outcome.endedAt >= signalledAt);
    const after = outcomes.filter((outcome) => outcome.startedAt >= signalledAt);
    const failed = (list: Outcome[]) =>
      list.filter((outcome) => outcome.status === null || outcome.status >= 500);
    // ECONNREFUSED: a new connection after the listener closed, so a request never accepted. Any
    // other error (ECONNRESET, socket hang up) is a request the server received and did not answer.
    const cutMidRequest = after.filter(
      (outcome) => outcome.status === null && outcome.error !== 'ECONNREFUSED',
    );
    console.log(
      `[chaos] graceful shutdown: ${outcomes.length} requests from ${CONNECTIONS} connections; ${inFlight.length} in flight ` +
        `at SIGTERM + ${SLOW_UPLOADS} slow uploads (${uploadStatuses.join(',')}); ${failed(before).length} of those failed; ` +
        `after SIGTERM ${after.length} sent, ${after.filter((o) => o.status !== null && o.status < 500).length} answered, ` +
        `${after.filter((o) => o.error === 'ECONNREFUSED').length} refused, ${cutMidRequest.length} cut ` +
        `(${[...new Set(cutMidRequest.map((o) => o.error))].join(',')}); SSE stream ${streamEnd}; ` +
        `exit ${JSON.stringify(exit)} after ${exitedAfterMs} ms`,
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(EXIT_WITHIN_MS);
    expect(failed(before)).toEqual([]);
    expect(uploadStatuses).toEqual(Array.from({ length: SLOW_UPLOADS }, () => 201));
    expect(after.filter((outcome) => outcome.status !== null && outcome.status >= 500)).toEqual([]);
    // Requests sent on kept-alive connections while the server drains are answered (with
    // `Connection: close`), not reset; the next ones find the listener closed and are refused.
    expect(cutMidRequest).toEqual([]);
    // The status stream is ended by the server, so EventSource reconnects, rather than cut at the deadline.
    expect(streamEnd).toBe('ended');
    // Every 201 the clients saw is an invoice in the database, and nothing else is.
    const created =
      outcomes.filter((outcome) => outcome.status === 201).length + SLOW_UPLOADS + seeded.length;
    const stored = await deployment.store.read(() => pluck<number>('SELECT count(*) FROM invoices').get());
    expect(stored).toBe(created);
  });

  it('stops `watch` and `work` within 25 s of SIGTERM mid-flow: exit 0, the cursor saved with what it scanned, no job left active', async () => {
    const { redis, sink, deployment } = await harness.deploy({
      chain: devnetChain(2),
      // A merchant endpoint that takes 200–600 ms: deliveries are in flight when the signal comes.
      sinkBehaviour: () => ({ delayMs: 200 + Math.floor(Math.random() * 400) }),
    });
    const startPipeline = () => ({
      watch: harness.startCli(
        'watch',
        ['watch', '--chain', String(deployment.chain.chainId)],
        deployment.env,
      ),
      work: harness.startCli('work', ['work'], deployment.env),
    });
    const first = startPipeline();
    await first.watch.waitForLine(/watcher lock acquired/, 60_000);
    await first.work.waitForLine(/workers started/, 60_000);

    const usdc = inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
    const payers = inject('payers').map((payer) => payer.address as Address);
    const count = scaled(60, 20);
    const invoices: InvoiceRecord[] = [];
    for (let i = 0; i < count; i++) invoices.push(await deployment.createInvoice(2_000_000n + BigInt(i)));
    const receipts: TransactionReceipt[] = [];
    let paying = true;
    let parked = false;
    let ended = false;
    let paymentError: unknown;
    onTestFinished(() => {
      ended = true;
    });
    // Payments keep landing through the signal and the restart: one per block (automine), one
    // every PAYMENT_GAP_MS so that the signal falls in the middle of them. Paused in between, and
    // parked only after its last send has its receipt, so the checks see every payment made.
    const payments = (async () => {
      for (const [i, invoice] of invoices.entries()) {
        if (ended) return;
        receipts.push(
          await sendToken({
            token: usdc,
            from: payers[i % payers.length] as Address,
            to: invoice.depositAddress,
            amount: invoice.amount,
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, PAYMENT_GAP_MS));
        if (!paying) {
          parked = true;
          await waitUntil(() => paying || ended, { timeoutMs: 120_000 });
          parked = false;
        }
      }
    })().catch((error: unknown) => {
      paymentError = error;
    });
    // Signalled mid-flow: some invoices paid, webhooks on their way, payments still coming.
    const paidWebhooks = () => sink.received().filter((webhook) => webhook.type === 'invoice.paid').length;
    await waitUntil(() => paidWebhooks() >= 1 && receipts.length >= count / 3, { timeoutMs: 120_000 });
    const signalledAt = Date.now();
    const atSignal = { payments: receipts.length, webhooks: paidWebhooks() };
    first.watch.kill('SIGTERM');
    first.work.kill('SIGTERM');
    const [watchExit, workExit] = await Promise.all([
      exitWithin(first.watch, EXIT_WITHIN_MS),
      exitWithin(first.work, EXIT_WITHIN_MS),
    ]);
    const exitedAfterMs = Date.now() - signalledAt;
    paying = false;
    await waitUntil(() => parked || receipts.length === count || paymentError !== undefined, {
      timeoutMs: 30_000,
    });

    // The cursor is a canonical block, and every payment mined at or below it is recorded, none above.
    const cursor = await deployment.store.read(getCursor, deployment.chain.chainId);
    if (!cursor) throw new Error('no cursor saved');
    const { publicClient } = createTestClients();
    const cursorBlock = await publicClient.getBlock({ blockNumber: BigInt(cursor.number) });
    const recorded = new Map(
      (
        await deployment.store.read(() =>
          query<{ txHash: string; block: number }>(
            'SELECT tx_hash AS "txHash", block_number AS block FROM transfers',
          ).all(),
        )
      ).map((row) => [row.txHash.toLowerCase(), row.block]),
    );
    const scanned = receipts.filter((receipt) => Number(receipt.blockNumber) <= cursor.number);
    const missedUnderCursor = scanned.filter(
      (receipt) => !recorded.has(receipt.transactionHash.toLowerCase()),
    );
    const aboveCursor = [...recorded.values()].filter((block) => block > cursor.number);
    // BullMQ: a worker that stopped gracefully leaves no job active (it would wait for the stall check).
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const counts: Record<string, Record<string, number>> = {};
    for (const name of Object.values(QUEUE_NAMES)) {
      const queue = new Queue(name, { connection, prefix: 'stablegate' });
      counts[name] = await queue.getJobCounts('active', 'waiting', 'completed', 'failed');
      await queue.close();
    }
    connection.disconnect();

    // Restarted, the pipeline finishes the rest: every invoice paid once, every event delivered.
    const second = startPipeline();
    paying = true;
    await payments;
    if (paymentError) throw paymentError;
    await mine(2);
    const { audit: result, paidInFull: paid } = await auditOncePaid(deployment.store, () => sink.received(), {
      paidInvoiceIds: invoices.map((invoice) => invoice.id),
      timeoutMs: 120_000,
    });
    await Promise.all([second.watch.stop(10_000), second.work.stop(10_000)]);

    console.log(
      `[chaos] graceful shutdown of watch and work: SIGTERM after ${atSignal.payments} of ${count} payments and ` +
        `${atSignal.webhooks} invoice.paid webhooks; exits watch ${JSON.stringify(watchExit)}, work ${JSON.stringify(workExit)} ` +
        `after ${exitedAfterMs} ms; cursor ${cursor.number} (${scanned.length} payments at or below it, ${missedUnderCursor.length} missed, ` +
        `${aboveCursor.length} recorded above it); jobs after exit ${JSON.stringify(counts)}; after restart ${paid.length} of ${count} paid, ` +
        `${result.events} events, ${result.missing.length} lost, ${result.duplicates} duplicates`,
    );
    expect(watchExit).toEqual({ code: 0, signal: null });
    expect(workExit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(EXIT_WITHIN_MS);
    expect(cursorBlock.hash).toBe(cursor.hash);
    expect(missedUnderCursor).toEqual([]);
    expect(aboveCursor).toEqual([]);
    for (const name of Object.values(QUEUE_NAMES)) expect(counts[name]?.active).toBe(0);
    // The counts come from the queues the workers used (same prefix), not from empty ones.
    expect((counts.settle?.completed ?? 0) + (counts.deliver?.completed ?? 0)).toBeGreaterThan(0);
    expect(paid).toHaveLength(count);
    expect(result.missing).toEqual([]);
    expect(result.paidEventsNotOne).toEqual([]);
    expect(result.paidWebhooksNotOne).toEqual([]);
  });
});
