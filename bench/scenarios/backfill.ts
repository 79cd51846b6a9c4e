import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, encodeFunctionData, getAddress, type Hash } from 'viem';
import { transferEmitterAbi, transferEmitterDeployedBytecode } from '../../contracts-abi/index.ts';
import { TRANSFER_TOPIC } from '../../src/chain/transfer-logs.ts';
import { getAnvilAccounts } from '../../src/devnet/anvil-accounts.ts';
import { startAnvil } from '../../src/devnet/start-anvil.ts';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { pluck } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { blockNumber, hex, pendingNonce, receipts, rpc, sendTransaction } from '../lib/chain.ts';
import { waitFor } from '../lib/poll.ts';
import { PONDER_VERSION, startPonder } from '../lib/ponder.ts';
import { rssMiB } from '../lib/proc-stats.ts';
import { writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import { addMerchant, deriveAddresses, insertInvoices, randomAddresses } from '../lib/seed.ts';
import { spawnTsx } from '../lib/spawn-child.ts';
import { fmt } from '../lib/stats.ts';
import { printTable } from '../lib/table.ts';

const PIPELINE = new URL('../lib/pipeline-child.ts', import.meta.url).pathname;
/** Where the emitter's code is installed: the configured token, so its logs are the token's. */
const TOKEN: Address = getAddress('0x5ab1e00000000000000000000000000000be11c4');
const EMIT_GAS = 29_000_000;
/** Logs per eth_getLogs in the raw-rate measurement: the watcher's own target per request. */
const RAW_TARGET_LOGS = 10_000;

/**
 * 2. Backfill: a million Transfer logs of a configured token already on chain, 10,000 open
 * invoices of which 1% are paid inside that range; a cold watcher + workers from the range's
 * start until every paid invoice is `paid`. In the same run, on the same chain: anvil's raw
 * eth_getLogs rate over the range (the ceiling), then Ponder backfilling the same range.
 */
async function run(options: ScenarioOptions) {
  const totalLogs = options.quick ? 100_000 : 1_000_000;
  const logsPerTx = 1_000;
  const invoiceCount = options.quick ? 1_000 : 10_000;
  const paidCount = invoiceCount / 100;
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-bench-backfill-'));
  const anvil = await startAnvil();
  const redis = await startRedisServer();
  const [payer] = getAnvilAccounts({ count: 1, from: 1 });
  if (!payer) throw new Error('no payer');
  try {
    await rpc(anvil.rpcUrl, 'anvil_setCode', [TOKEN, transferEmitterDeployedBytecode]);
    const databasePath = join(dir, 'stablegate.db');
    const store = openSqliteStore(databasePath);
    const token = { symbol: 'USDC', address: TOKEN, decimals: 6 };
    const { merchantId, xpub } = await addMerchant(store, 20);
    const amount = 1_000_000n;
    let started = Date.now();
    const addresses = deriveAddresses(xpub, invoiceCount);
    const startBlock = (await blockNumber(anvil.rpcUrl)) + 1;
    const invoices = insertInvoices(store, {
      merchantId,
      chainId: anvil.chainId,
      token,
      amount,
      addresses,
      watchFromBlock: startBlock - 1,
    });
    console.log(`backfill: ${invoiceCount} invoices derived and stored in ${Date.now() - started} ms`);

    // The range: noise transactions of `logsPerTx` Transfers each to random addresses, one block
    // each (automine), with the payments of the paid 1% spread evenly between them.
    started = Date.now();
    const noiseTxs = totalLogs / logsPerTx;
    const payEvery = Math.floor(noiseTxs / paidCount);
    const noiseTargets = randomAddresses(noiseTxs);
    let nonce = await pendingNonce(anvil.rpcUrl, payer.address);
    const hashes: Hash[] = [];
    const emit = (to: Address, count: number) =>
      sendTransaction(anvil.rpcUrl, {
        from: payer.address,
        to: TOKEN,
        data: encodeFunctionData({
          abi: transferEmitterAbi,
          functionName: 'emitTransfers',
          args: [to, BigInt(count), amount],
        }),
        nonce: nonce++,
        gas: EMIT_GAS,
      });
    let paid = 0;
    for (let i = 0; i < noiseTxs; i++) {
      hashes.push(await emit(noiseTargets[i] as Address, logsPerTx));
      if (i % payEvery === payEvery - 1 && paid < paidCount)
        hashes.push(await emit((invoices[paid++] as { depositAddress: Address }).depositAddress, 1));
    }
    await receipts(anvil.rpcUrl, hashes.slice(-10));
    const endBlock = await blockNumber(anvil.rpcUrl);
    // Empty blocks above the range: the whole range is deep history, as a backfill is.
    await rpc(anvil.rpcUrl, 'anvil_mine', [hex(100)]);
    console.log(
      `backfill: ${totalLogs + paidCount} logs in blocks ${startBlock}–${endBlock} mined in ${Date.now() - started} ms`,
    );

    // The node's rate is measured on both sides of stablegate's scan: on a shared machine it drifts
    // by 1.5× within minutes, and a ratio against one sample taken later says little.
    const rawBefore = await rawGetLogs(
      anvil.rpcUrl,
      startBlock,
      endBlock,
      totalLogs / (endBlock - startBlock + 1),
      {
        parsedOnly: true,
      },
    );
    const sg = await backfillStablegate({
      anvil,
      redisUrl: redis.url,
      databasePath,
      store,
      token,
      startBlock,
      endBlock,
      invoices: invoices.slice(0, paidCount),
      profile: options.profile,
      quick: options.quick,
    });
    await store.close();
    const rawAfter = await rawGetLogs(
      anvil.rpcUrl,
      startBlock,
      endBlock,
      totalLogs / (endBlock - startBlock + 1),
    );
    const raw = [
      ...rawBefore.map((variant) => ({ ...variant, name: `${variant.name}, before` })),
      ...rawAfter.map((variant) => ({ ...variant, name: `${variant.name}, after` })),
    ];
    const ponder = options.ponder
      ? await backfillPonder({
          anvil,
          token: TOKEN,
          startBlock,
          endBlock,
          watched: addresses,
          paidCount,
          totalLogs,
          quick: options.quick,
          profile: options.profile,
        })
      : null;

    const logs = totalLogs + paidCount;
    const rows = [
      [
        'stablegate: scan (ready → cursor at range end)',
        fmt(sg.scanMs / 1000, 2),
        fmt(logs / (sg.scanMs / 1000), 0),
        `RSS peak ${fmt(sg.rssPeakMiB, 0)} MiB`,
      ],
      [
        'stablegate: cold start → all paid',
        fmt(sg.allPaidMs / 1000, 2),
        fmt(logs / (sg.allPaidMs / 1000), 0),
        `process spawn → ready ${fmt(sg.startMs, 0)} ms`,
      ],
      ...raw.map((variant) => [
        `anvil raw eth_getLogs, ${variant.name}`,
        fmt(variant.ms / 1000, 2),
        fmt(variant.logs / (variant.ms / 1000), 0),
        `${variant.requests} requests`,
      ]),
    ];
    if (ponder)
      rows.push([
        `ponder ${PONDER_VERSION}: start → historical indexed${ponder.complete ? '' : ' (stopped at the cap)'}`,
        fmt(ponder.ms / 1000, 2),
        fmt(ponder.logsPerSecond, 0),
        ponder.note,
      ]);
    printTable(
      `Backfill: ${fmt(logs)} Transfer logs in ${fmt(endBlock - startBlock + 1)} blocks, ${fmt(invoiceCount)} open invoices, ${fmt(paidCount)} paid`,
      ['what', 'seconds', 'logs/s', 'note'],
      rows,
    );
    printTable(
      'stablegate watcher steps during the backfill',
      ['outcome', 'steps', 'seconds'],
      Object.entries(sg.steps.groups).map(([name, group]) => [name, fmt(group.steps), fmt(group.seconds, 1)]),
    );
    for (const error of sg.steps.errors) console.log(`  step error: ${error}`);
    const best = Math.max(...raw.map((variant) => variant.logs / (variant.ms / 1000)));
    const sgRate = logs / (sg.scanMs / 1000);
    printTable(
      'Backfill ratios (same run)',
      ['ratio', 'value', 'target'],
      [
        ['stablegate scan rate / best raw eth_getLogs rate', `${fmt((100 * sgRate) / best, 0)} %`, '≥ 50 %'],
        ...(ponder
          ? [['best raw eth_getLogs rate / Ponder rate', `${fmt(best / ponder.logsPerSecond, 1)}×`, '']]
          : []),
        ...(ponder
          ? [['stablegate scan rate / Ponder rate', `${fmt(sgRate / ponder.logsPerSecond, 1)}×`, '≥ 10×']]
          : []),
      ],
    );
    return writeResult('backfill', {
      totalLogs: logs,
      blocks: endBlock - startBlock + 1,
      logsPerTx,
      invoiceCount,
      paidCount,
      stablegate: sg,
      raw,
      ponder,
    });
  } finally {
    await redis.stop();
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function backfillStablegate(args: {
  anvil: { rpcUrl: string; chainId: number };
  redisUrl: string;
  databasePath: string;
  store: Store;
  token: { symbol: string; address: Address; decimals: number };
  startBlock: number;
  endBlock: number;
  invoices: { id: string }[];
  profile: boolean;
  quick: boolean;
}) {
  const { store, anvil } = args;
  const chain = {
    chainId: anvil.chainId,
    name: 'anvil',
    rpcUrl: anvil.rpcUrl,
    confirmations: 1,
    pollIntervalMs: 1000,
    startBlock: args.startBlock,
    tokens: [args.token],
  };
  const spawned = Date.now();
  const pipeline = spawnTsx(PIPELINE, {
    env: {
      BENCH_PIPELINE: JSON.stringify({
        databasePath: args.databasePath,
        redisUrl: args.redisUrl,
        prefix: 'bench-backfill',
        chain,
        watcher: true,
        workers: true,
        stepLog: true,
      }),
    },
    ...(args.profile ? { cpuProfile: 'backfill-stablegate' } : {}),
  });
  const steps: { ms: number; kind: string; to?: number; error?: string }[] = [];
  pipeline.on('step', (message) => steps.push(message as unknown as (typeof steps)[number]));
  try {
    await pipeline.message('ready');
    const ready = Date.now();
    let rssPeakMiB = 0;
    const ids = args.invoices.map((invoice) => invoice.id);
    const paidSql = `SELECT count(*) FROM invoices WHERE status = 'paid' AND id IN (${ids.map(() => '?').join(',')})`;
    const countPaid = () =>
      store.read(function* () {
        return (yield* pluck<number>(paidSql).get(...ids)) ?? 0;
      });
    let scannedAt = 0;
    const done = await waitFor(
      async () => {
        rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pipeline.pid) || 0);
        const cursor = await store.read(getCursor, anvil.chainId);
        if (!scannedAt && cursor && cursor.number >= args.endBlock) scannedAt = Date.now();
        return scannedAt > 0 && (await countPaid()) === args.invoices.length;
      },
      args.quick ? 120_000 : 900_000,
      20,
    );
    if (!done) {
      const paid = await countPaid();
      const transfers = await store.read(function* () {
        return (yield* pluck<number>('SELECT count(*) FROM transfers').get()) ?? 0;
      });
      const cursor = await store.read(getCursor, anvil.chainId);
      throw new Error(
        `stablegate backfill did not finish: cursor ${cursor?.number}, ${transfers} transfers, ${paid} paid\n${pipeline.stderr()}`,
      );
    }
    const finished = Date.now();
    return {
      startMs: ready - spawned,
      scanMs: scannedAt - ready,
      allPaidMs: finished - spawned,
      rssPeakMiB,
      steps: summarizeSteps(steps),
    };
  } finally {
    await pipeline.stop();
  }
}

/**
 * How the watcher's steps spent the scan: steps that advanced the cursor, steps that advanced
 * nothing (an eth_getLogs failed and the range sizer shrank the range), and steps that threw.
 */
function summarizeSteps(steps: { ms: number; kind: string; to?: number; error?: string }[]) {
  let previousTo = -1;
  const groups: Record<string, { steps: number; seconds: number }> = {};
  const add = (name: string, ms: number) => {
    const group = groups[name] ?? { steps: 0, seconds: 0 };
    group.steps++;
    group.seconds += ms / 1000;
    groups[name] = group;
  };
  for (const step of steps) {
    if (step.kind === 'block' && step.to === previousTo)
      add('no progress (range shrunk after a failed eth_getLogs)', step.ms);
    else if (step.kind === 'block') add('advanced the cursor', step.ms);
    else add(step.kind, step.ms);
    if (step.to !== undefined) previousTo = step.to;
  }
  const errors = [...new Set(steps.filter((step) => step.error).map((step) => step.error?.slice(0, 160)))];
  return { groups, errors };
}

/** The ceiling: eth_getLogs over the same range, sequential, each response read and JSON-parsed. */
async function rawGetLogs(
  rpcUrl: string,
  from: number,
  to: number,
  logsPerBlock: number,
  options: { parsedOnly?: boolean } = {},
) {
  const variants: { name: string; blocksPerRequest: number; parse: boolean }[] = [
    {
      name: `${fmt(RAW_TARGET_LOGS)} logs/request, parsed`,
      blocksPerRequest: Math.max(1, Math.round(RAW_TARGET_LOGS / logsPerBlock)),
      parse: true,
    },
    {
      name: `${fmt(RAW_TARGET_LOGS)} logs/request, not parsed`,
      blocksPerRequest: Math.max(1, Math.round(RAW_TARGET_LOGS / logsPerBlock)),
      parse: false,
    },
  ];
  const results: { name: string; ms: number; logs: number; requests: number }[] = [];
  for (const variant of variants.filter((v) => v.parse || !options.parsedOnly)) {
    const started = Date.now();
    let logs = 0;
    let requests = 0;
    for (let start = from; start <= to; start += variant.blocksPerRequest) {
      const end = Math.min(to, start + variant.blocksPerRequest - 1);
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'eth_getLogs',
          params: [
            {
              address: [TOKEN.toLowerCase()],
              topics: [TRANSFER_TOPIC],
              fromBlock: hex(start),
              toBlock: hex(end),
            },
          ],
        }),
      });
      requests++;
      if (variant.parse) logs += ((await response.json()) as { result: unknown[] }).result.length;
      else {
        const text = await response.text();
        logs += text.split('"logIndex"').length - 1;
      }
    }
    results.push({ name: variant.name, ms: Date.now() - started, logs, requests });
  }
  return results;
}

async function backfillPonder(args: {
  anvil: { rpcUrl: string; chainId: number };
  token: Address;
  startBlock: number;
  endBlock: number;
  watched: readonly string[];
  paidCount: number;
  totalLogs: number;
  quick: boolean;
  profile: boolean;
}) {
  const capMs = args.quick ? 180_000 : 600_000;
  const started = Date.now();
  const ponder = await startPonder({
    rpcUrl: args.anvil.rpcUrl,
    chainId: args.anvil.chainId,
    token: args.token,
    startBlock: args.startBlock,
    endBlock: args.endBlock,
    pollMs: 1000,
    watched: args.watched,
    ...(args.profile ? { cpuProfile: 'backfill-ponder' } : {}),
  });
  try {
    let events = 0;
    let lastLog = Date.now();
    const complete = await waitFor(
      async () => {
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          events = await ponder.metric('ponder_indexing_completed_events').catch(() => Number.NaN);
          console.log(
            `  ponder: ${fmt(events)} events indexed after ${fmt((Date.now() - started) / 1000, 0)} s`,
          );
        }
        return ponder.isReady();
      },
      capMs,
      200,
    );
    const ms = Date.now() - started;
    events = await ponder.metric('ponder_indexing_completed_events').catch(() => Number.NaN);
    const rows = await ponder.count().catch(() => Number.NaN);
    const rssMiBAtEnd = rssMiB(ponder.pid);
    const processed = complete ? args.totalLogs + args.paidCount : events;
    return {
      complete,
      ms,
      eventsIndexed: events,
      rows,
      rssMiB: rssMiBAtEnd,
      logsPerSecond: processed / (ms / 1000),
      note: `${fmt(rows)} rows, ${fmt(events)} events counted, RSS ${fmt(rssMiBAtEnd, 0)} MiB`,
    };
  } finally {
    await ponder.stop();
  }
}

export const backfill: Scenario = { name: 'backfill', title: 'Backfill', run };
