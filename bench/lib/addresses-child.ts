/**
 * The watcher over a database of a million open deposit addresses, in its own process so its RSS
 * is its own. Commands over IPC: `load` (the watcher's first step, which loads every address into
 * its index), `step` (follow the chain to the head, timed), `match` (matchTransferLogs alone over
 * synthetic 16k-log blocks). Configured by BENCH_ADDRESSES (JSON).
 */
import { randomBytes } from 'node:crypto';
import type { Hex } from 'viem';
import { createDepositAddressIndex } from '../../src/chain/deposit-address-index.ts';
import type { RpcLog } from '../../src/chain/rpc.ts';
import { matchTransferLogs, TRANSFER_TOPIC } from '../../src/chain/transfer-logs.ts';
import { ChainConfigSchema } from '../../src/config/chains.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createChainWatcher } from '../../src/runtime/create-chain-watcher.ts';
import { createContext } from '../../src/runtime/create-context.ts';
import { pluck } from '../../src/store/sql.ts';
import { type ChildMessage, sendToParent } from './spawn-child.ts';

const options = JSON.parse(process.env.BENCH_ADDRESSES ?? '{}') as { databasePath: string; chain: unknown };
const chain = ChainConfigSchema.parse(options.chain);
const loaded = loadConfig(
  { DATABASE_PATH: options.databasePath, PORT: '0', LOG_LEVEL: 'warn' },
  { chains: [chain] },
);
if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
const ctx = await createContext(loaded.config, { name: 'bench-addresses' });
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const memory = () => {
  gc();
  const usage = process.memoryUsage();
  return {
    rssMiB: usage.rss / 2 ** 20,
    heapUsedMiB: usage.heapUsed / 2 ** 20,
    externalMiB: usage.external / 2 ** 20,
  };
};
const watcher = createChainWatcher(ctx, chain);

async function stepToHead(): Promise<number> {
  const started = performance.now();
  for (;;) {
    const outcome = await watcher.step();
    if (outcome.kind === 'synced') return performance.now() - started;
  }
}

/** matchTransferLogs over synthetic blocks of `logsPerBlock` Transfer logs, `matchesPerBlock` of them ours. */
async function matchBench(logsPerBlock: number, matchesPerBlock: number, blocks: number) {
  const index = createDepositAddressIndex(ctx.store, chain.chainId);
  await index.refresh(0, () => false);
  const ours = await ctx.store.read(function* () {
    return yield* pluck<string>('SELECT deposit_address FROM invoices ORDER BY random() LIMIT ?').all(
      matchesPerBlock,
    );
  });
  const token = (chain.tokens[0]?.address ?? '0x').toLowerCase() as Hex;
  const topic = (address: string) => `0x000000000000000000000000${address.slice(2).toLowerCase()}` as Hex;
  const makeBlock = (): RpcLog[] =>
    Array.from({ length: logsPerBlock }, (_, i) => ({
      address: token,
      topics: [
        TRANSFER_TOPIC,
        topic(`0x${randomBytes(20).toString('hex')}`),
        topic(i < matchesPerBlock ? (ours[i] as string) : `0x${randomBytes(20).toString('hex')}`),
      ],
      data: '0x00000000000000000000000000000000000000000000000000000000000f4240',
      blockNumber: '0x10',
      blockHash: `0x${randomBytes(32).toString('hex')}`,
      transactionHash: `0x${randomBytes(32).toString('hex')}`,
      logIndex: `0x${i.toString(16)}`,
      removed: false,
    }));
  const tokens = new Set([token]);
  const samples: number[] = [];
  let matched = 0;
  // A few distinct blocks, reused: making random logs costs more than matching them.
  const made = Array.from({ length: 5 }, makeBlock);
  for (let b = 0; b < blocks; b++) {
    const logs = made[b % made.length] as RpcLog[];
    const started = performance.now();
    matched += matchTransferLogs(logs, index, tokens).length;
    samples.push(performance.now() - started);
  }
  return { samplesMs: samples, matchedPerBlock: matched / blocks };
}

const base = memory();
sendToParent({ type: 'ready', ...base });
process.on('message', (raw) => {
  const message = raw as ChildMessage;
  void (async () => {
    if (message.type === 'load') {
      const ms = await stepToHead();
      sendToParent({ type: 'loaded', ms, watched: watcher.watchedAddresses, ...memory() });
    } else if (message.type === 'step') {
      const ms = await stepToHead();
      sendToParent({ type: 'stepped', ms, ...memory() });
    } else if (message.type === 'match') {
      sendToParent({
        type: 'matched',
        ...(await matchBench(
          Number(message.logsPerBlock),
          Number(message.matchesPerBlock),
          Number(message.blocks),
        )),
      });
    } else if (message.type === 'stop') {
      await ctx.store.close();
      process.exit(0);
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
