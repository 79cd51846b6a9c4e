import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Hash } from 'viem';
import { getAnvilAccounts } from '../../src/devnet/anvil-accounts.ts';
import { deployStablecoins } from '../../src/devnet/deploy-stablecoins.ts';
import { startAnvil } from '../../src/devnet/start-anvil.ts';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { query } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import {
  blockNumber,
  observeHeads,
  pendingNonce,
  receipts,
  sendTransaction,
  transferData,
} from '../lib/chain.ts';
import { every, waitFor } from '../lib/poll.ts';
import { PONDER_VERSION, type Ponder, startPonder } from '../lib/ponder.ts';
import { cpuSeconds } from '../lib/proc-stats.ts';
import { writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import { addEndpoint, addMerchant, deriveAddresses, insertInvoices } from '../lib/seed.ts';
import { spawnTsx } from '../lib/spawn-child.ts';
import { fmt, type Summary, summarize } from '../lib/stats.ts';
import { printTable } from '../lib/table.ts';
import { startVerifyingReceiver, type VerifyingReceiver } from '../lib/verifying-receiver.ts';

const PIPELINE = new URL('../lib/pipeline-child.ts', import.meta.url).pathname;
/** Both systems' "row visible" is observed by polling at this interval (an upper bound of ±it). */
const VISIBILITY_POLL_MS = 20;
const PAYMENTS_PER_SECOND = 5;

/** `split`: the watcher and the workers in two processes (`stablegate watch` + `stablegate work`). */
type Mode = { name: string; pollMs: number; ws: boolean; split?: boolean };
const ALL_MODES: Mode[] = [
  { name: 'poll 100 ms', pollMs: 100, ws: false },
  { name: 'poll 250 ms', pollMs: 250, ws: false },
  { name: 'poll 1000 ms', pollMs: 1000, ws: false },
  { name: 'WebSocket', pollMs: 1000, ws: true },
  { name: 'WebSocket, watch + work processes', pollMs: 1000, ws: true, split: true },
];
// BENCH_DETECTION_MODES='WebSocket;poll 100 ms' (exact names, ';'-separated) runs only those modes.
const MODES = process.env.BENCH_DETECTION_MODES
  ? ALL_MODES.filter((mode) => process.env.BENCH_DETECTION_MODES?.split(';').includes(mode.name))
  : ALL_MODES;

type Stage = { system: string; stage: string; latencies: Summary; missing: number };

/**
 * 1. Detection latency: payments to open invoices on anvil (--block-time 1) at about 5 per
 * second; from the block (hence the receipt) being observable, i.e. its newHeads notification,
 * to (a) the transfer recorded and (b) the verified invoice.paid webhook, per watcher mode, with
 * Ponder indexing the same token at the same polling interval in the same run.
 */
async function run(options: ScenarioOptions) {
  const payments = options.quick ? 30 : 300;
  const anvil = await startAnvil({ blockTime: 1 });
  const redis = await startRedisServer();
  const receiver = await startVerifyingReceiver();
  const heads = observeHeads(anvil.wsUrl);
  const [payer] = getAnvilAccounts({ count: 1, from: 1 });
  if (!payer) throw new Error('no payer');
  const [usdc] = await deployStablecoins({ rpcUrl: anvil.rpcUrl, payers: [payer.address] });
  if (!usdc) throw new Error('no token');
  const results: { mode: Mode; stages: Stage[]; cpu: Record<string, number> }[] = [];
  try {
    for (const [index, mode] of MODES.entries()) {
      console.log(`detection: ${mode.name}, ${payments} payments at ${PAYMENTS_PER_SECOND}/s…`);
      results.push(
        await runMode({
          mode,
          index,
          payments,
          options,
          anvil,
          redisUrl: redis.url,
          receiver,
          heads,
          payer: payer.address,
          token: usdc,
        }),
      );
    }
  } finally {
    await heads.stop();
    await receiver.close();
    await redis.stop();
    await anvil.stop();
  }
  const rows = results.flatMap(({ mode, stages }) =>
    stages.map((stage) => [
      mode.name,
      stage.system,
      stage.stage,
      fmt(stage.latencies.n),
      fmt(stage.latencies.p50, 0),
      fmt(stage.latencies.p95, 0),
      fmt(stage.latencies.p99, 0),
      fmt(stage.latencies.max, 0),
      fmt(stage.missing),
    ]),
  );
  printTable(
    `Detection latency, ms from the block's newHeads notification (${payments} payments, ${PAYMENTS_PER_SECOND}/s, anvil --block-time 1, 1 confirmation)`,
    ['mode', 'system', 'stage', 'n', 'p50', 'p95', 'p99', 'max', 'missing'],
    rows,
  );
  printTable(
    'CPU seconds used during each mode (same run)',
    ['mode', ...Object.keys(results[0]?.cpu ?? {})],
    results.map(({ mode, cpu }) => [mode.name, ...Object.values(cpu).map((value) => fmt(value, 2))]),
  );
  return writeResult('detection', {
    payments,
    paymentsPerSecond: PAYMENTS_PER_SECOND,
    visibilityPollMs: VISIBILITY_POLL_MS,
    ponderVersion: PONDER_VERSION,
    results,
  });
}

async function runMode(args: {
  mode: Mode;
  index: number;
  payments: number;
  options: ScenarioOptions;
  anvil: { rpcUrl: string; wsUrl: string; chainId: number };
  redisUrl: string;
  receiver: VerifyingReceiver;
  heads: ReturnType<typeof observeHeads>;
  payer: Address;
  token: { symbol: string; address: Address; decimals: number };
}) {
  const { mode, anvil, receiver, heads, token } = args;
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-bench-detection-'));
  const databasePath = join(dir, 'stablegate.db');
  const store = openSqliteStore(databasePath);
  const { merchantId, xpub } = await addMerchant(store, 10 + args.index);
  receiver.setSecret(await addEndpoint(store, { databasePath }, merchantId, receiver.url, ['invoice.paid']));
  const amount = 1_000_000n + BigInt(args.index); // 1.00000x USDC
  const head = await blockNumber(anvil.rpcUrl);
  const addresses = deriveAddresses(xpub, args.payments);
  const invoices = insertInvoices(store, {
    merchantId,
    chainId: anvil.chainId,
    token,
    amount,
    addresses,
    watchFromBlock: head,
  });
  const chain = {
    chainId: anvil.chainId,
    name: 'anvil',
    rpcUrl: anvil.rpcUrl,
    ...(mode.ws ? { wsUrl: anvil.wsUrl } : {}),
    confirmations: 1,
    pollIntervalMs: mode.pollMs,
    startBlock: head + 1,
    tokens: [token],
  };
  const slug = mode.name.replace(/\W+/g, '-');
  // The watcher and the workers in one process (`stablegate dev`), or in two (`watch` + `work`).
  const spawnPipeline = (role: { watcher: boolean; workers: boolean }, profileName: string) =>
    spawnTsx(PIPELINE, {
      env: {
        BENCH_PIPELINE: JSON.stringify({
          databasePath,
          redisUrl: args.redisUrl,
          prefix: `bench-detection-${args.index}`,
          chain,
          ...role,
        }),
      },
      ...(args.options.profile ? { cpuProfile: `detection-${slug}-${profileName}` } : {}),
    });
  const pipeline = spawnPipeline({ watcher: true, workers: !mode.split }, 'stablegate');
  const workers = mode.split ? spawnPipeline({ watcher: false, workers: true }, 'workers') : null;
  let ponder: Ponder | null = null;
  const stages: Stage[] = [];
  const cpu: Record<string, number> = {};
  try {
    await pipeline.message('ready');
    await workers?.message('ready');
    if (args.options.ponder) {
      ponder = await startPonder({
        rpcUrl: anvil.rpcUrl,
        ...(mode.ws ? { wsUrl: anvil.wsUrl } : {}),
        chainId: anvil.chainId,
        token: token.address,
        startBlock: head + 1,
        pollMs: mode.pollMs,
        watched: addresses,
        ...(args.options.profile ? { cpuProfile: `detection-${slug}-ponder` } : {}),
      });
      const ready = ponder;
      if (!(await waitFor(() => ready.isReady(), 120_000)))
        throw new Error(`ponder not ready\n${ready.output()}`);
    }
    if (!(await waitFor(async () => (await store.read(getCursor, anvil.chainId)) !== null, 30_000)))
      throw new Error('watcher did not start');

    // Observers: first time each payment is visible in stablegate's SQLite and in Ponder's API.
    const byAddress = new Map(invoices.map((invoice, i) => [invoice.depositAddress.toLowerCase(), i]));
    const byInvoiceId = new Map(invoices.map((invoice, i) => [invoice.id, i]));
    const sgVisible = new Map<number, number>();
    const sgRecorded = new Map<number, number>();
    const ponderVisible = new Map<number, number>();
    const ponderIndexed = new Map<number, number>();
    let lastTransferId = 0;
    const selectNew = query<{ id: number; invoice_id: string; detected_at: string }>(
      'SELECT id, invoice_id, detected_at FROM transfers WHERE id > ? ORDER BY id',
    );
    const sgPoller = every(VISIBILITY_POLL_MS, async () => {
      const now = Date.now();
      const rows = await store.read(function* () {
        return yield* selectNew.all(lastTransferId);
      });
      for (const row of rows) {
        lastTransferId = row.id;
        const i = byInvoiceId.get(row.invoice_id);
        if (i === undefined || sgVisible.has(i)) continue;
        sgVisible.set(i, now);
        sgRecorded.set(i, Date.parse(row.detected_at));
      }
    });
    const ponderPoller = ponder
      ? every(VISIBILITY_POLL_MS, async () => {
          const now = Date.now();
          for (const row of await (ponder as Ponder).rows()) {
            const i = byAddress.get(row.to);
            if (i === undefined || ponderVisible.has(i)) continue;
            ponderVisible.set(i, now);
            ponderIndexed.set(i, row.indexedAt);
          }
        })
      : null;

    const cpuStart = {
      stablegate: cpuSeconds(pipeline.pid) + (workers ? cpuSeconds(workers.pid) : 0),
      ponder: ponder ? cpuSeconds(ponder.pid) : Number.NaN,
    };
    let nonce = await pendingNonce(anvil.rpcUrl, args.payer);
    const hashes: Hash[] = [];
    const started = Date.now();
    for (let i = 0; i < invoices.length; i++) {
      const due = started + (i * 1000) / PAYMENTS_PER_SECOND;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const invoice = invoices[i] as (typeof invoices)[number];
      hashes.push(
        await sendTransaction(anvil.rpcUrl, {
          from: args.payer,
          to: token.address,
          data: transferData(invoice.depositAddress, amount),
          nonce: nonce++,
          gas: 100_000,
        }),
      );
    }
    const all = await receipts(anvil.rpcUrl, hashes);
    await waitFor(
      () =>
        sgVisible.size === invoices.length &&
        invoices.every((invoice) => receiver.paidAt(invoice.id) !== undefined) &&
        (!ponder || ponderVisible.size === invoices.length),
      30_000,
    );
    await sgPoller.stop();
    await ponderPoller?.stop();
    cpu['stablegate s'] =
      cpuSeconds(pipeline.pid) + (workers ? cpuSeconds(workers.pid) : 0) - cpuStart.stablegate;
    if (ponder) cpu['ponder s'] = cpuSeconds(ponder.pid) - cpuStart.ponder;

    const paidEvents = new Map(
      (
        await store.read(function* () {
          return yield* query<{ invoice_id: string; created_at: string }>(
            "SELECT invoice_id, created_at FROM events WHERE type = 'invoice.paid'",
          ).all();
        })
      ).map((row) => [row.invoice_id, Date.parse(row.created_at)]),
    );
    const observableAt = all.map((item) => heads.seenAt(Number(item.blockNumber)));
    const stage = (system: string, name: string, at: (i: number) => number | undefined): Stage => {
      const values: number[] = [];
      let missing = 0;
      invoices.forEach((_, i) => {
        const from = observableAt[i];
        const to = at(i);
        if (from === undefined || to === undefined) missing++;
        else values.push(to - from);
      });
      return { system, stage: name, latencies: summarize(values), missing };
    };
    stages.push(stage('stablegate', 'transfer recorded (commit time)', (i) => sgRecorded.get(i)));
    stages.push(
      stage('stablegate', `transfer visible (polled ${VISIBILITY_POLL_MS} ms)`, (i) => sgVisible.get(i)),
    );
    stages.push(
      stage('stablegate', 'invoice.paid event written (settled)', (i) =>
        paidEvents.get((invoices[i] as { id: string }).id),
      ),
    );
    stages.push(
      stage('stablegate', 'invoice.paid webhook verified', (i) =>
        receiver.paidAt((invoices[i] as { id: string }).id),
      ),
    );
    if (ponder) {
      stages.push(
        stage(`ponder ${PONDER_VERSION}`, 'row written (handler time)', (i) => ponderIndexed.get(i)),
      );
      stages.push(
        stage(`ponder ${PONDER_VERSION}`, `row visible (polled ${VISIBILITY_POLL_MS} ms)`, (i) =>
          ponderVisible.get(i),
        ),
      );
    }
    const unobserved = observableAt.filter((at) => at === undefined).length;
    if (unobserved > 0)
      console.log(`  ${unobserved} blocks had no newHeads notification; those payments count as missing`);
  } finally {
    await ponder?.stop();
    await pipeline.stop();
    await workers?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { mode, stages, cpu };
}

export const detection: Scenario = { name: 'detection', title: 'Detection latency', run };
