import type { Address } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import { createReadiness } from '../../src/runtime/readiness.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { createTestClients, mine, reorg, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { auditDeliveries } from '../reliability/support/delivery-audit.ts';
import { CHAOS_SCALE, type Pipeline, startPipeline } from './support/pipeline.ts';

withSnapshot();

const CONFIRMATIONS = 4;
const STORM_MS = Math.max(10_000, Math.round(60_000 * CHAOS_SCALE));

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[3]?.address as Address;
const randomInt = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

/** Polls until the watcher's cursor is the node's head block (same number and hash). */
async function watcherAtHead(current: Pipeline): Promise<void> {
  const { publicClient } = createTestClients();
  await waitUntil(
    async () => {
      const head = await publicClient.getBlock();
      const cursor = await current.ctx.store.read(getCursor, current.chain.chainId);
      return cursor?.number === Number(head.number) && cursor.hash === head.hash;
    },
    { timeoutMs: 20_000 },
  );
}

function eventCounts(current: Pipeline) {
  return current.ctx.store.read(() =>
    query<{
      invoiceId: string;
      detected: number;
      reverted: number;
      paid: number;
      lastRevertedEvent: string | null;
      paidEvent: string | null;
      live: number;
      revertedTransfers: number;
      status: string;
    }>(
      `SELECT i.id AS "invoiceId",
         (SELECT count(*) FROM events e WHERE e.invoice_id = i.id AND e.type = 'invoice.payment_detected') AS detected,
         (SELECT count(*) FROM events e WHERE e.invoice_id = i.id AND e.type = 'invoice.payment_reverted') AS reverted,
         (SELECT count(*) FROM events e WHERE e.invoice_id = i.id AND e.type = 'invoice.paid') AS paid,
         (SELECT max(e.id) FROM events e WHERE e.invoice_id = i.id AND e.type = 'invoice.payment_reverted') AS "lastRevertedEvent",
         (SELECT min(e.id) FROM events e WHERE e.invoice_id = i.id AND e.type = 'invoice.paid') AS "paidEvent",
         (SELECT count(*) FROM transfers t WHERE t.invoice_id = i.id AND t.status != 'reverted') AS live,
         (SELECT count(*) FROM transfers t WHERE t.invoice_id = i.id AND t.status = 'reverted') AS "revertedTransfers",
         i.status
       FROM invoices i ORDER BY i.id`,
    ).all(),
  );
}

/** The structured reorg lines the watcher logged: depth and how many confirmed transfers it reverted. */
function reorgLogs(current: Pipeline): { depth: number; revertedConfirmed: number; alert?: string }[] {
  return current.ctx.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"depth"') && /reorg/i.test(line))
    .map((line) => JSON.parse(line) as { depth: number; revertedConfirmed: number; alert?: string });
}

describe('reorg storm', () => {
  it(`survives reorgs of depth 1..${CONFIRMATIONS - 1} every few blocks: no confirmed payment reverted, each reverted payment announced once`, async () => {
    const current = await startPipeline({ confirmations: CONFIRMATIONS });
    pipeline = current;
    // History first: the watcher's window then holds more than any storm reorg is deep, and no
    // reorg reaches below the block anvil's snapshot (withSnapshot) was taken at.
    await mine(CONFIRMATIONS + 2);
    await watcherAtHead(current);
    const started = Date.now();
    let injected = 0;
    let payments = 0;
    while (Date.now() - started < STORM_MS) {
      const invoice = await current.createInvoice(2_000_000n);
      await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: invoice.amount });
      payments++;
      await mine(randomInt(0, 2));
      await watcherAtHead(current);
      if (Math.random() < 0.6) {
        await reorg(randomInt(1, CONFIRMATIONS - 1));
        injected++;
        await mine(randomInt(0, 1));
        await watcherAtHead(current);
      }
    }
    await mine(CONFIRMATIONS + 1);
    await watcherAtHead(current);
    const settled = async () =>
      (await current.ctx.store.read(() =>
        pluck<number>('SELECT count(*) AS n FROM transfers WHERE settled_version < version').get(),
      )) === 0;
    await waitUntil(
      async () =>
        (await settled()) &&
        (await auditDeliveries(current.ctx.store, current.sink.received())).missing.length === 0,
      { timeoutMs: 60_000 },
    );

    const counts = await eventCounts(current);
    const logs = reorgLogs(current);
    const audit = await auditDeliveries(current.ctx.store, current.sink.received());
    const reverted = counts.reduce((sum, row) => sum + row.revertedTransfers, 0);
    const announced = counts.reduce((sum, row) => sum + row.reverted, 0);
    const paid = counts.filter((row) => row.paid > 0).length;
    console.log(
      `[chaos] reorg storm: ${Math.round((Date.now() - started) / 1000)} s, ${payments} payments, ${injected} reorgs injected ` +
        `(depth 1..${CONFIRMATIONS - 1}), ${logs.length} detected, ${reverted} payments reverted, ${announced} reversals announced, ` +
        `${paid} invoices paid, ${logs.reduce((sum, log) => sum + log.revertedConfirmed, 0)} confirmed payments reverted, ` +
        `${audit.missing.length} events lost`,
    );
    expect(injected).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(0);
    // No confirmed payment reverted: no rewind touched one, and no alert was raised.
    expect(logs.filter((log) => log.revertedConfirmed > 0 || log.alert)).toEqual([]);
    expect((await current.ctx.store.read(getCursor, current.chain.chainId))?.deepReorgAt).toBeNull();
    for (const row of counts) {
      // Each announced detection is either still live or announced reverted, once.
      expect({ id: row.invoiceId, balance: row.detected - row.reverted }).toEqual({
        id: row.invoiceId,
        balance: row.live,
      });
      expect(row.reverted).toBeLessThanOrEqual(row.revertedTransfers);
      // A paid invoice stays paid: nothing of it is reverted after its invoice.paid.
      expect(row.paid).toBeLessThanOrEqual(1);
      if (row.paidEvent) {
        expect(row.status).toBe('paid');
        expect(row.lastRevertedEvent === null || row.lastRevertedEvent < row.paidEvent).toBe(true);
      }
    }
    expect(audit.missing).toEqual([]);
    expect(audit.forged).toEqual([]);
  });

  it('raises no deep-reorg alert for a shallow reorg just after the watcher first starts', async () => {
    // Blocks below the watcher's start, so the reorg stays above anvil's snapshot; the start block
    // holds a transaction, so the reorg really replaces it (an empty block can come back identical).
    await mine(3);
    await sendToken({
      token: usdc(),
      from: payer(),
      to: inject('payers')[0]?.address as Address,
      amount: 1n,
    });
    const current = await startPipeline({ confirmations: CONFIRMATIONS });
    pipeline = current;
    await watcherAtHead(current);
    const invoice = await current.createInvoice(2_000_000n);
    await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: invoice.amount });
    await watcherAtHead(current);
    // Depth 2 < 4 confirmations: the payment's block and the watcher's start block are replaced.
    await reorg(2);
    await mine(1);
    await watcherAtHead(current);
    const logs = reorgLogs(current);
    console.log(
      `[chaos] shallow reorg after first start: ${JSON.stringify(logs.map(({ depth, alert }) => ({ depth, alert })))}`,
    );
    expect(logs.length).toBe(1);
    expect(logs.filter((log) => log.alert)).toEqual([]);
    expect((await current.ctx.store.read(getCursor, current.chain.chainId))?.deepReorgAt).toBeNull();
  });

  it('logs a reorg deeper than the confirmation depth as an alert and reports it in /readyz (503 with the reason)', async () => {
    await mine(CONFIRMATIONS + 2);
    const current = await startPipeline({ confirmations: CONFIRMATIONS });
    pipeline = current;
    await mine(CONFIRMATIONS);
    await watcherAtHead(current);
    const invoice = await current.createInvoice(3_000_000n);
    await sendToken({ token: usdc(), from: payer(), to: invoice.depositAddress, amount: invoice.amount });
    await mine(CONFIRMATIONS);
    await waitUntil(
      async () =>
        (await current.ctx.store.read(() =>
          pluck<string>('SELECT status FROM invoices WHERE id = ?').get(invoice.id),
        )) === 'paid',
      { timeoutMs: 20_000 },
    );
    // One block deeper than the payment: a confirmed payment is orphaned.
    await reorg(CONFIRMATIONS + 1);
    await waitUntil(
      async () => (await current.ctx.store.read(getCursor, current.chain.chainId))?.deepReorgAt !== null,
      { timeoutMs: 20_000 },
    );
    const alerts = reorgLogs(current).filter((log) => log.alert === 'deep_reorg');
    const app = createApi(current.ctx, { readiness: createReadiness(current.ctx, {}) });
    const response = await app.request('/readyz');
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    console.log(
      `[chaos] deep reorg: depth ${CONFIRMATIONS + 1} > ${CONFIRMATIONS} confirmations, ${alerts.length} alert logged, ` +
        `/readyz ${response.status}: ${body.checks[`chain:${current.chain.chainId}`]?.detail}`,
    );
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(response.status).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.checks[`chain:${current.chain.chainId}`]).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/deep reorg/),
    });
  });
});
