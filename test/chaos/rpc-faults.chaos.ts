import type { Address } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import type { InvoiceRecord } from '../../src/domain/invoice.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { query } from '../../src/store/sql.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { auditDeliveries, invoiceStatuses } from '../reliability/support/delivery-audit.ts';
import { type Pipeline, scaled, startPipeline } from './support/pipeline.ts';
import { type FaultProxy, NO_FAULTS, startFaultProxy } from './support/tcp-fault-proxy.ts';

withSnapshot();

const BLACKHOLE_MS = 10_000;
const FAULTS = { dropRate: 0.3, resetMidResponseRate: 0.15, latencyMs: [0, 250] as [number, number] };

/** Faults drawn after the blackhole before the last third of the payments is made. */
const FAULTS_BEFORE_LAST_THIRD = 3;

/** When a payment was made: under faults, or while the node was blackholed. */
type Phase = 'faults' | 'blackhole' | 'faults after';

/** `median m s, max n s (k payments)` of delays in milliseconds. */
function summarize(delaysMs: number[]): string {
  const sorted = [...delaysMs].sort((a, b) => a - b);
  const seconds = (ms: number | undefined) => ((ms ?? Number.NaN) / 1000).toFixed(1);
  return `median ${seconds(sorted[Math.floor(sorted.length / 2)])} s, max ${seconds(sorted.at(-1))} s (${sorted.length})`;
}

let proxy: FaultProxy | undefined;
let pipeline: Pipeline | undefined;

afterEach(async () => {
  await pipeline?.stop();
  await proxy?.close();
  pipeline = undefined;
  proxy = undefined;
});

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payers = () => inject('payers').map((payer) => payer.address as Address);

describe('RPC faults between the watcher and its node', () => {
  it('detects every payment through drops, latency, mid-response resets and a 10 s blackhole, with no false reorg and no duplicate', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
    const faultProxy = await startFaultProxy({ target: inject('rpcUrl'), seed, profile: FAULTS });
    proxy = faultProxy;
    const current = await startPipeline({ rpcUrl: proxy.url, confirmations: 2 });
    pipeline = current;
    const payments = scaled(45, 9);
    const third = Math.ceil(payments / 3);
    const invoices: InvoiceRecord[] = [];
    for (let i = 0; i < payments; i++) invoices.push(await current.createInvoice(1_000_000n + BigInt(i)));
    // When each payment was mined (automine: its receipt is back), to measure detection delays.
    const minedAt = new Map<string, { at: number; phase: Phase }>();
    const pay = async (from: number, to: number, phase: Phase) => {
      for (let i = from; i < Math.min(to, payments); i++) {
        const invoice = invoices[i];
        if (!invoice) continue;
        const receipt = await sendToken({
          token: usdc(),
          from: payers()[i % payers().length] as Address,
          to: invoice.depositAddress,
          amount: invoice.amount,
        });
        minedAt.set(receipt.transactionHash.toLowerCase(), { at: Date.now(), phase });
      }
    };
    const started = Date.now();
    await pay(0, third, 'faults');
    // A third of the payments land while the node is unreachable (the proxy swallows every byte).
    const blackhole = proxy.blackhole(BLACKHOLE_MS);
    await pay(third, 2 * third, 'blackhole');
    await blackhole;
    // The last third is paid once faults are striking again: the watcher's traffic after the
    // blackhole can be a handful of requests, and with too few of them no fault may be drawn.
    const injected = () => {
      const counts = faultProxy.counts();
      return counts.dropped + counts.resetMidResponse;
    };
    const injectedBefore = injected();
    await waitUntil(() => injected() >= injectedBefore + FAULTS_BEFORE_LAST_THIRD, { timeoutMs: 60_000 });
    await pay(2 * third, payments, 'faults after');
    await mine(2);

    const everyInvoicePaid = async () =>
      (await invoiceStatuses(current.ctx.store)).every((row) => row.status === 'paid');
    await waitUntil(
      async () =>
        (await everyInvoicePaid()) &&
        (await auditDeliveries(current.ctx.store, current.sink.received())).missing.length === 0,
      { timeoutMs: 300_000 },
    ).catch(async (error: Error) => {
      // Where the pipeline stopped: the watcher's cursor, what it recorded, and its last words.
      const cursor = await current.ctx.store.read(getCursor, current.chain.chainId);
      const transfers = await current.ctx.store.read(() =>
        query('SELECT status, count(*) AS n FROM transfers GROUP BY status').all(),
      );
      const last = current.ctx.logs.slice(-8).join('');
      throw new Error(
        `${error.message}: cursor ${cursor?.number} (head seen ${cursor?.headNumber}), transfers ${JSON.stringify(transfers)}, ` +
          `faults ${JSON.stringify(proxy?.counts())}, last logs:\n${last}`,
      );
    });
    const elapsedS = Math.round((Date.now() - started) / 1000);
    proxy.setProfile(NO_FAULTS);

    const audit = await auditDeliveries(current.ctx.store, current.sink.received(), {
      paidInvoiceIds: invoices.map((invoice) => invoice.id),
    });
    const faults = proxy.counts();
    const reorgs = await current.metric('stablegate_chain_reorgs_total');
    const transfers = await current.ctx.store.read(() =>
      query<{ n: number; distinctLogs: number }>(
        'SELECT count(*) AS n, count(DISTINCT tx_hash || log_index) AS "distinctLogs" FROM transfers',
      ).get(),
    );
    const reorgLogs = current.ctx.logs.filter((line) => /reorg/i.test(line));
    const detections = await current.ctx.store.read(() =>
      query<{ txHash: string; detectedAt: string }>(
        'SELECT tx_hash AS "txHash", detected_at AS "detectedAt" FROM transfers',
      ).all(),
    );
    const delays = new Map<Phase, number[]>();
    for (const { txHash, detectedAt } of detections) {
      const mined = minedAt.get(txHash.toLowerCase());
      if (!mined) continue;
      delays.set(mined.phase, [...(delays.get(mined.phase) ?? []), Date.parse(detectedAt) - mined.at]);
    }
    console.log(
      `[chaos] rpc faults (seed ${seed}): ${payments} payments in ${elapsedS} s through ${faults.connections} connections; ` +
        `faults injected: ${faults.dropped} dropped, ${faults.resetMidResponse} reset mid-response, ` +
        `${faults.delayedChunks} delayed chunks, ${faults.blackholed} blackholed (+${BLACKHOLE_MS / 1000} s blackhole); ` +
        `${transfers?.n} transfers recorded, ${reorgs} reorgs detected, ${audit.events} events, ${audit.missing.length} lost, ` +
        `${audit.duplicates} duplicate deliveries; detection delay after mining ${[...delays]
          .map(([phase, list]) => `${phase} ${summarize(list)}`)
          .join(', ')}`,
    );
    expect(faults.dropped + faults.resetMidResponse).toBeGreaterThan(0);
    expect(transfers).toEqual({ n: payments, distinctLogs: payments });
    expect(reorgs).toBe(0);
    expect(reorgLogs).toEqual([]);
    expect(audit.missing).toEqual([]);
    expect(audit.forged).toEqual([]);
    expect(audit.paidEventsNotOne).toEqual([]);
    expect(audit.paidWebhooksNotOne).toEqual([]);
  });
});
