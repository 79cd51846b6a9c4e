import { type Address, getAddress, type Hex } from 'viem';
import { describe, expect, inject, it } from 'vitest';
import { transferEmitterAbi, transferEmitterDeployedBytecode } from '../../contracts-abi/index.ts';
import { createWatcherClient } from '../../src/chain/client.ts';
import { createRangeSizer } from '../../src/chain/log-range.ts';
import { createLogRangeReader, type LogRange } from '../../src/chain/log-range-reader.ts';
import type { ChainRpc, RpcLog } from '../../src/chain/rpc.ts';
import { TRANSFER_TOPIC } from '../../src/chain/transfer-logs.ts';
import { RPC_DEFAULTS } from '../../src/config/chains.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestClients, reorg, withSnapshot } from '../fixtures/chain.ts';

withSnapshot();

/** The watcher's clients on the run's anvil: `rpc` batched, `logsRpc` one request each. */
const anvilClient = () =>
  createWatcherClient(
    { chainId: inject('chainId'), rpcUrls: [inject('rpcUrl')], wsUrls: [], ...RPC_DEFAULTS },
    { logger: createLogger({ level: 'silent' }) },
  );

/** Not a configured token: the emitter's logs are the only ones at this address. */
const EMITTER: Address = getAddress('0x5ab1e00000000000000000000000000000c0ffee');
const payer = () => inject('payers')[0]?.address as Address;

/** Installs the emitter and mines one block per entry of `logsPerBlock`; returns the first block. */
async function emitBlocks(logsPerBlock: readonly number[]): Promise<number> {
  const { publicClient, testClient, walletClient } = createTestClients();
  await testClient.setCode({ address: EMITTER, bytecode: transferEmitterDeployedBytecode });
  const first = Number(await publicClient.getBlockNumber()) + 1;
  for (const count of logsPerBlock) {
    const hash = await walletClient.writeContract({
      account: payer(),
      address: EMITTER,
      abi: transferEmitterAbi,
      functionName: 'emitTransfers',
      args: [payer(), BigInt(count), 1n],
      gas: 29_000_000n,
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  return first;
}

function newReader(options: { initial: number; wantedBlocks?: (logs: readonly RpcLog[]) => number[] }) {
  const { rpc, logsRpc: plain } = anvilClient();
  // Observes which eth_getLogs ranges the node has answered; the requests themselves are real.
  const answered: number[] = [];
  const logsRpc: ChainRpc = {
    ...plain,
    async logsInRange(args) {
      const logs = await plain.logsInRange(args);
      answered.push(args.from);
      return logs;
    },
  };
  const sizer = createRangeSizer({ initial: options.initial });
  const reader = createLogRangeReader({
    logsRpc,
    rpc,
    tokens: [EMITTER.toLowerCase() as Hex],
    topic0: TRANSFER_TOPIC,
    sizer,
    wantedBlocks: options.wantedBlocks ?? (() => []),
  });
  return { reader, answered, sizer };
}

describe('eth_getLogs range reader', () => {
  it('reads contiguous ranges with no gap and no duplicate, narrowing after a response over the size limit', async () => {
    // 7 × 3,000 logs ≈ 12 MB in one response: over viem's 10 MiB limit.
    const first = await emitBlocks(Array.from({ length: 7 }, () => 3000));
    const last = first + 6;
    const { reader, sizer } = newReader({ initial: 7 });
    const ranges: LogRange[] = [];
    let narrowed = 0;
    for (let from = first; from <= last; ) {
      const read = await reader.read(from, last);
      if (read.kind === 'narrowed') {
        narrowed++;
        expect(sizer.size).toBeLessThan(7);
        continue;
      }
      ranges.push(read.range);
      from = read.range.to + 1;
    }
    expect(narrowed).toBe(1);
    expect(ranges.map((range) => range.from)).toEqual([first, ...ranges.slice(0, -1).map((r) => r.to + 1)]);
    expect(ranges.at(-1)?.to).toBe(last);
    const keys = ranges.flatMap((range) => range.logs.map((log) => `${log.blockHash}:${log.logIndex}`));
    expect(keys).toHaveLength(21_000);
    expect(new Set(keys).size).toBe(21_000);
    for (const range of ranges) expect(range.end.number).toBe(range.to);
  }, 120_000);

  it('discards the range read ahead when the next read starts elsewhere, so a rewind sees the new chain', async () => {
    const first = await emitBlocks([10, 10, 10, 10]);
    const last = first + 3;
    const { reader, answered } = newReader({
      initial: 2,
      wantedBlocks: (logs) => logs.map((log) => Number(BigInt(log.blockNumber))),
    });
    const read = await reader.read(first, last);
    if (read.kind !== 'range') throw new Error(`expected a range, got ${read.kind}`);
    expect([read.range.from, read.range.to, read.range.logs.length]).toEqual([first, first + 1, 20]);
    for (const log of read.range.logs) expect(read.range.blocks.has(log.blockHash)).toBe(true);
    // The next range was read ahead from the chain as it was; then its blocks are replaced.
    await waitUntil(() => answered.includes(first + 2), { timeoutMs: 10_000 });
    await reorg(2);
    const again = await reader.read(first, last);
    if (again.kind !== 'range') throw new Error(`expected a range, got ${again.kind}`);
    // Read again from the node: the first two blocks' logs, none of the replaced blocks'.
    expect([again.range.from, again.range.to, again.range.logs.length]).toEqual([first, last, 20]);
    const canonical = await createTestClients().publicClient.getBlock({ blockNumber: BigInt(last) });
    expect(again.range.end.hash).toBe(canonical.hash);
  });
});
