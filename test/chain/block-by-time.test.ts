import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { findBlockBefore } from '../../src/chain/block-by-time.ts';
import { createWatcherClient } from '../../src/chain/client.ts';
import type { ChainRpc } from '../../src/chain/rpc.ts';
import { RPC_DEFAULTS } from '../../src/config/chains.ts';
import type { BlockRef } from '../../src/domain/chain.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestClients, withSnapshot } from '../fixtures/chain.ts';

withSnapshot();

/** The watcher's clients on the run's anvil: `rpc` batched, `logsRpc` one request each. */
const anvilClient = () =>
  createWatcherClient(
    { chainId: inject('chainId'), rpcUrls: [inject('rpcUrl')], wsUrls: [], ...RPC_DEFAULTS },
    { logger: createLogger({ level: 'silent' }) },
  );

/** The run's anvil, with the rounds of block reads each search makes counted (the calls are real). */
function countingRpc(): { rpc: ChainRpc; rounds: () => number } {
  const { rpc } = anvilClient();
  let rounds = 0;
  return {
    rpc: {
      ...rpc,
      blocksByNumber: (numbers) => {
        rounds++;
        return rpc.blocksByNumber(numbers);
      },
    },
    rounds: () => rounds,
  };
}

/** Every block from genesis to the head, read one batch of 100 at a time. */
async function allBlocks(rpc: ChainRpc, head: number): Promise<BlockRef[]> {
  const blocks: BlockRef[] = [];
  for (let from = 0; from <= head; from += 100) {
    const numbers = Array.from({ length: Math.min(100, head - from + 1) }, (_, i) => from + i);
    blocks.push(...((await rpc.blocksByNumber(numbers)) as BlockRef[]));
  }
  return blocks;
}

/**
 * Rounds a 16-way search needs at most over `span` blocks: a round probes 16 evenly spaced blocks
 * (all of them when 16 or fewer are left) and leaves the gap between two probes, under span / 16.
 */
function maxRounds(span: number): number {
  let rounds = 0;
  for (let left = span; left > 0; left = left <= 16 ? 0 : Math.ceil(left / 16) - 1) rounds++;
  return rounds;
}

/** What the search must answer, by reading every block: the newest at or before the time, else genesis. */
const expected = (blocks: readonly BlockRef[], timestampS: number) =>
  [...blocks].reverse().find((block) => block.timestamp <= timestampS) ?? blocks[0];

describe('findBlockBefore', () => {
  it('finds the newest block at or before any time, as a scan of every block does, in few rounds', async () => {
    const { testClient, publicClient } = createTestClients();
    // 1,000 more blocks, 12 s apart, after whatever the run has mined (some share a second).
    await testClient.mine({ blocks: 1_000, interval: 12 });
    const head = Number(await publicClient.getBlockNumber());
    const { rpc, rounds } = countingRpc();
    const blocks = await allBlocks(rpc, head);
    const headBlock = blocks.at(-1) as BlockRef;
    const genesis = blocks[0] as BlockRef;
    const exact = fc.constantFrom(...blocks.map((block) => block.timestamp));
    const anyTime = fc.integer({ min: genesis.timestamp - 100, max: headBlock.timestamp + 100 });
    // The head is known to be newer, so blocks 0..head-1 are searched; a genesis read follows only a
    // first round whose every probe was newer (2 rounds in all).
    const bound = maxRounds(head);

    await fc.assert(
      fc.asyncProperty(fc.oneof(exact, anyTime), async (timestampS) => {
        const before = rounds();
        const found = await findBlockBefore(rpc, headBlock, timestampS);
        expect(found).toEqual(expected(blocks, timestampS));
        expect(rounds() - before).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 150 },
    );
  });

  it('answers the head when the time is at or after it, with no call', async () => {
    const { publicClient } = createTestClients();
    const { rpc, rounds } = countingRpc();
    const [head] = await rpc.blocksByNumber([Number(await publicClient.getBlockNumber())]);
    const before = rounds();
    expect(await findBlockBefore(rpc, head as BlockRef, (head as BlockRef).timestamp)).toEqual(head);
    expect(rounds()).toBe(before);
  });
});
