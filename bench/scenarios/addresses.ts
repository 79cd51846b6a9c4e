import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, encodeFunctionData, getAddress } from 'viem';
import { transferEmitterAbi, transferEmitterDeployedBytecode } from '../../contracts-abi/index.ts';
import { getAnvilAccounts } from '../../src/devnet/anvil-accounts.ts';
import { startAnvil } from '../../src/devnet/start-anvil.ts';
import { pluck } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { blockNumber, hex, pendingNonce, rpc, sendTransaction } from '../lib/chain.ts';
import { rssPeakMiB } from '../lib/proc-stats.ts';
import { writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import { addMerchant, insertInvoices, randomAddresses } from '../lib/seed.ts';
import { spawnTsx } from '../lib/spawn-child.ts';
import { fmt, summarize } from '../lib/stats.ts';
import { printTable } from '../lib/table.ts';

const CHILD = new URL('../lib/addresses-child.ts', import.meta.url).pathname;
const TOKEN: Address = getAddress('0x5ab1e00000000000000000000000000000be11c5');
const LOGS_PER_BLOCK = 16_000;
const MATCHES_PER_BLOCK = 10;

type Memory = { rssMiB: number; heapUsedMiB: number; externalMiB: number };

/**
 * 3. Watched-address scale: a million open invoices (random deposit addresses: deriving a million
 * with @scure/bip32 would take ~11 minutes of setup and changes nothing the watcher does), then
 * the watcher's cold start (every address into its index), its RSS, and the cost of a block of
 * 16,000 Transfer logs: end to end (a real block on anvil, one watcher step) and matching alone.
 */
async function run(options: ScenarioOptions) {
  const count = options.quick ? 100_000 : 1_000_000;
  const blocks = options.quick ? 3 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-bench-addresses-'));
  const anvil = await startAnvil();
  const [payer] = getAnvilAccounts({ count: 1, from: 1 });
  if (!payer) throw new Error('no payer');
  const databasePath = join(dir, 'stablegate.db');
  const store = openSqliteStore(databasePath);
  let child: ReturnType<typeof spawnTsx> | null = null;
  try {
    await rpc(anvil.rpcUrl, 'anvil_setCode', [TOKEN, transferEmitterDeployedBytecode]);
    await rpc(anvil.rpcUrl, 'evm_setBlockGasLimit', [hex(100_000_000)]);
    const token = { symbol: 'USDC', address: TOKEN, decimals: 6 };
    const { merchantId } = await addMerchant(store, 50);
    let started = Date.now();
    const addresses = randomAddresses(count);
    const head = await blockNumber(anvil.rpcUrl);
    insertInvoices(store, {
      merchantId,
      chainId: anvil.chainId,
      token,
      amount: 1_000_000n,
      addresses,
      watchFromBlock: head,
      batchSize: 100_000,
    });
    const setupMs = Date.now() - started;
    console.log(`addresses: ${fmt(count)} invoices stored in ${fmt(setupMs)} ms`);

    const chain = {
      chainId: anvil.chainId,
      name: 'anvil',
      rpcUrl: anvil.rpcUrl,
      confirmations: 1,
      pollIntervalMs: 1000,
      startBlock: head + 1,
      tokens: [token],
    };
    child = spawnTsx(CHILD, {
      env: { BENCH_ADDRESSES: JSON.stringify({ databasePath, chain }) },
      ...(options.profile ? { cpuProfile: 'addresses-stablegate' } : {}),
    });
    const base = (await child.message('ready')) as unknown as Memory;
    started = Date.now();
    child.send({ type: 'load' });
    const loaded = (await child.message('loaded', 300_000)) as unknown as Memory & {
      ms: number;
      watched: number;
    };
    // The kernel's high-water mark: the peak during the load, before any GC could lower it.
    const loadPeakMiB = rssPeakMiB(child.pid);

    // Blocks of 16,000 Transfer logs: 16 emitter calls in one block, 10 of the logs paying invoices.
    const stepMs: number[] = [];
    let memoryAfterSteps: Memory = loaded;
    let nonce = await pendingNonce(anvil.rpcUrl, payer.address);
    const emit = (to: Address, logs: number) =>
      sendTransaction(anvil.rpcUrl, {
        from: payer.address,
        to: TOKEN,
        data: encodeFunctionData({
          abi: transferEmitterAbi,
          functionName: 'emitTransfers',
          args: [to, BigInt(logs), 1_000_000n],
        }),
        nonce: nonce++,
        gas: 6_000_000,
      });
    await rpc(anvil.rpcUrl, 'evm_setAutomine', [false]);
    for (let b = 0; b < blocks; b++) {
      const noise = randomAddresses(16);
      for (let i = 0; i < 15; i++) await emit(noise[i] as Address, 1_000);
      await emit(noise[15] as Address, 1_000 - MATCHES_PER_BLOCK);
      for (let i = 0; i < MATCHES_PER_BLOCK; i++)
        await emit(addresses[b * MATCHES_PER_BLOCK + i] as Address, 1);
      await rpc(anvil.rpcUrl, 'evm_mine', []);
      child.send({ type: 'step' });
      const stepped = (await child.message('stepped')) as unknown as Memory & { ms: number };
      stepMs.push(stepped.ms);
      memoryAfterSteps = stepped;
    }
    await rpc(anvil.rpcUrl, 'evm_setAutomine', [true]);
    // Before the matching micro-benchmark below, which loads a second index in the same process.
    const stepsPeakMiB = rssPeakMiB(child.pid);
    const recorded = await store.read(function* () {
      return (yield* pluck<number>('SELECT count(*) FROM transfers').get()) ?? 0;
    });
    const logsSeen = await rpc<unknown[]>(anvil.rpcUrl, 'eth_getLogs', [
      { address: TOKEN, fromBlock: hex(head + 1), toBlock: 'latest' },
    ]);

    child.send({
      type: 'match',
      logsPerBlock: LOGS_PER_BLOCK,
      matchesPerBlock: MATCHES_PER_BLOCK,
      blocks: 50,
    });
    const matched = (await child.message('matched', 300_000)) as unknown as {
      samplesMs: number[];
      matchedPerBlock: number;
    };
    const step = summarize(stepMs);
    const match = summarize(matched.samplesMs);
    const rows = [
      ['open invoices (watched addresses)', fmt(loaded.watched)],
      ['setup: rows inserted (not measured below)', `${fmt(setupMs / 1000, 1)} s`],
      ['cold start: first watcher step, index loaded (s)', fmt(loaded.ms / 1000, 2)],
      ['RSS before load → after load (MiB, after GC)', `${fmt(base.rssMiB, 0)} → ${fmt(loaded.rssMiB, 0)}`],
      [
        'JS heap used before → after load (MiB)',
        `${fmt(base.heapUsedMiB, 0)} → ${fmt(loaded.heapUsedMiB, 0)}`,
      ],
      ['RSS peak so far, process start → after load (MiB, kernel VmHWM)', fmt(loadPeakMiB, 0)],
      [
        'ArrayBuffers and other external memory before → after load (MiB)',
        `${fmt(base.externalMiB, 0)} → ${fmt(loaded.externalMiB, 0)}`,
      ],
      ['RSS after the 16k-log blocks (MiB)', fmt(memoryAfterSteps.rssMiB, 0)],
      ['RSS peak through the 16k-log blocks (MiB, kernel VmHWM)', fmt(stepsPeakMiB, 0)],
      [
        `watcher step per ${fmt(LOGS_PER_BLOCK)}-log block, end to end (ms) p50 / p95 / max`,
        `${fmt(step.p50, 1)} / ${fmt(step.p95, 1)} / ${fmt(step.max, 1)}`,
      ],
      [
        `matchTransferLogs alone per ${fmt(LOGS_PER_BLOCK)}-log block (ms) p50 / p95 / max`,
        `${fmt(match.p50, 2)} / ${fmt(match.p95, 2)} / ${fmt(match.max, 2)}`,
      ],
      ['matchTransferLogs per log (µs, p50)', fmt((match.p50 * 1000) / LOGS_PER_BLOCK, 3)],
      ['transfers recorded / logs on chain', `${fmt(recorded)} / ${fmt(logsSeen.length)}`],
    ];
    printTable(
      `Watched-address scale: ${fmt(count)} open deposit addresses (random addresses, inserted directly into SQLite)`,
      ['measure', 'value'],
      rows,
    );
    return writeResult('addresses', {
      count,
      setupMs,
      base,
      loaded,
      loadPeakMiB,
      stepsPeakMiB,
      memoryAfterSteps,
      logsPerBlock: LOGS_PER_BLOCK,
      matchesPerBlock: MATCHES_PER_BLOCK,
      stepMs: step,
      matchMs: match,
      recorded,
      logsOnChain: logsSeen.length,
    });
  } finally {
    await child?.stop();
    await store.close();
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const addresses: Scenario = { name: 'addresses', title: 'Watched-address scale', run };
