import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Address, createPublicClient, webSocket } from 'viem';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Watcher } from '../../src/chain/watcher.ts';
import { type ChainConfig, RPC_DEFAULTS } from '../../src/config/chains.ts';
import { type Anvil, startAnvil } from '../../src/devnet/start-anvil.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import { createChainWatcher } from '../../src/runtime/create-chain-watcher.ts';
import { createReadiness } from '../../src/runtime/readiness.ts';
import { mine, withSnapshot } from '../fixtures/chain.ts';
import { createManualClock, createTestContext, type TestContext } from '../fixtures/context.ts';

/**
 * The block clock on real anvils: the stale-head alarm on a chain that stops making blocks
 * (README "Readiness"), none on automine while idle, and polls placed just after each block.
 */

withSnapshot();

let anvil: Anvil;
const contexts: TestContext[] = [];
const watchers: Watcher[] = [];

beforeAll(async () => {
  // Its own anvil, mining a block a second (the run's anvil mines a block per transaction).
  anvil = await startAnvil({ blockTime: 1 });
});
afterAll(async () => {
  await anvil?.stop();
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
  for (const ctx of contexts.splice(0)) await ctx.close();
  await rpc(anvil.rpcUrl, 'evm_setIntervalMining', [1]);
});

const tokens = () => inject('tokens').map((token) => ({ ...token, address: token.address as Address }));

async function startWatcher(chain: ChainConfig, options: { clock?: TestContext['clock'] } = {}) {
  const ctx = await createTestContext({ chains: [chain], ...options });
  contexts.push(ctx);
  const watcher = createChainWatcher(ctx, chain);
  watchers.push(watcher);
  watcher.start();
  return ctx;
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return ((await response.json()) as { result: T }).result;
}

async function gauge(metric: Metrics['chainHeadStale'], chainId: number): Promise<number | undefined> {
  const { values } = await metric.get();
  return values.find((value) => value.labels.chain_id === String(chainId))?.value;
}

const alarms = (ctx: TestContext) => ctx.logs.filter((line) => line.includes('"alert":"stale_head"'));

describe('the stale-head alarm', () => {
  it('is raised when the chain stops making blocks and cleared when blocks come again', async () => {
    const chain: ChainConfig = {
      chainId: anvil.chainId,
      name: 'Anvil, 1 s blocks',
      rpcUrls: [anvil.rpcUrl],
      wsUrls: [],
      ...RPC_DEFAULTS,
      confirmations: 1,
      pollIntervalMs: 200,
      staleAfterMs: 3000,
      tokens: tokens(),
    };
    const ctx = await startWatcher(chain);
    const readiness = createReadiness({ store: ctx.store, clock: ctx.clock, config: ctx.config }, {});
    const chainCheck = async () => (await readiness()).checks[`chain:${chain.chainId}`];
    // The clock is learnt from the blocks (1 s), and the chain is ready while they come.
    await waitUntil(async () => (await gauge(ctx.metrics.chainBlockTime, chain.chainId)) === 1, {
      timeoutMs: 30_000,
    });
    await waitUntil(async () => (await chainCheck())?.ok === true, { timeoutMs: 10_000 });

    await rpc(anvil.rpcUrl, 'evm_setIntervalMining', [0]);
    await waitUntil(() => alarms(ctx).length > 0, { timeoutMs: 15_000 });
    expect(await chainCheck()).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^stale head: block \d+ has not advanced for [\d.]+ s \(limit 3 s\)$/),
    });
    expect(await gauge(ctx.metrics.chainHeadStale, chain.chainId)).toBe(1);

    await rpc(anvil.rpcUrl, 'evm_setIntervalMining', [1]);
    await waitUntil(() => ctx.logs.some((line) => line.includes('stale_head cleared')), {
      timeoutMs: 15_000,
    });
    await waitUntil(async () => (await chainCheck())?.ok === true, { timeoutMs: 10_000 });
    expect(await gauge(ctx.metrics.chainHeadStale, chain.chainId)).toBe(0);
    // One error line for the whole stall, not one per poll.
    expect(alarms(ctx)).toHaveLength(1);
    expect(JSON.parse(alarms(ctx)[0] as string)).toMatchObject({
      level: 50,
      alert: 'stale_head',
      staleAfterMs: 3000,
    });
    await readiness.close();
  }, 90_000);

  it('raises nothing on an automine anvil left idle, however long', async () => {
    // The run's anvil mines on demand: a burst of blocks, then nothing.
    await mine(20);
    const clock = createManualClock(new Date());
    const chain: ChainConfig = {
      chainId: inject('chainId'),
      name: 'Anvil, automine',
      rpcUrls: [inject('rpcUrl')],
      wsUrls: [],
      ...RPC_DEFAULTS,
      confirmations: 1,
      pollIntervalMs: 50,
      tokens: tokens(),
    };
    const ctx = await startWatcher(chain, { clock });
    const readiness = createReadiness({ store: ctx.store, clock, config: ctx.config }, {});
    await waitUntil(async () => (await readiness()).ok, { timeoutMs: 10_000 });
    // Ten idle minutes on the watcher's clock: ten block times of any clock it could have taken.
    clock.advance(10 * 60_000);
    await waitUntil(async () => (await gauge(ctx.metrics.chainHeadAge, chain.chainId)) === 600, {
      timeoutMs: 10_000,
    });
    expect(alarms(ctx)).toEqual([]);
    expect(await gauge(ctx.metrics.chainHeadStale, chain.chainId)).toBe(0);
    expect(await gauge(ctx.metrics.chainBlockTime, chain.chainId)).toBeUndefined();
    // Still level with the head (the watcher refreshes synced_at on the same clock).
    await waitUntil(async () => (await readiness()).ok, { timeoutMs: 10_000 });
    await readiness.close();
  });
});

describe('polls placed by the block clock', () => {
  it('sees each block of a 1 s chain soon after it appears, polling about once a block at a 1 s interval', async () => {
    const proxy = await startCountingProxy(anvil.rpcUrl);
    // When each block became observable: its newHeads notification on a subscription of our own.
    const notified = new Map<number, number>();
    const heads = createPublicClient({ transport: webSocket(anvil.wsUrl) });
    const unwatch = heads.watchBlockNumber({
      emitMissed: true,
      onBlockNumber: (number) => {
        if (!notified.has(Number(number))) notified.set(Number(number), Date.now());
      },
    });
    try {
      const chain: ChainConfig = {
        chainId: anvil.chainId,
        name: 'Anvil, 1 s blocks',
        rpcUrls: [proxy.url],
        wsUrls: [],
        ...RPC_DEFAULTS,
        confirmations: 1,
        pollIntervalMs: 1000,
        tokens: tokens(),
      };
      await startWatcher(chain);
      const started = Date.now();
      // Learning the phase takes a few blocks; then ten blocks are measured.
      await waitUntil(() => proxy.seen.size >= 8, { timeoutMs: 30_000 });
      const from = Math.max(...proxy.seen.keys()) + 1;
      await waitUntil(() => proxy.seen.has(from + 10), { timeoutMs: 30_000 });
      const delays = Array.from({ length: 10 }, (_, i) => {
        const seen = proxy.seen.get(from + i);
        const observable = notified.get(from + i);
        return seen === undefined || observable === undefined ? Number.POSITIVE_INFINITY : seen - observable;
      });
      // A fixed 1 s timer would see every block at one phase of the second: on average 500 ms late.
      expect(
        delays.filter((delay) => delay < 100).length,
        `delays ${delays.join(', ')} ms`,
      ).toBeGreaterThanOrEqual(8);
      // The budget: on average one poll per pollIntervalMs, the bucket (16 polls) paying for the
      // probes that learn the phase.
      expect(proxy.polls).toBeLessThanOrEqual(16 + (Date.now() - started) / 1000 + 2);
    } finally {
      unwatch();
      await proxy.close();
    }
  }, 90_000);
});

/**
 * A JSON-RPC pass-through on loopback that counts head polls (`eth_getBlockByNumber` "latest")
 * and notes when an answer first showed each block number.
 */
async function startCountingProxy(target: string) {
  const seen = new Map<number, number>();
  const state = { polls: 0 };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    const calls = [JSON.parse(body)].flat() as { id: number; method: string; params?: unknown[] }[];
    const latest = new Set(
      calls
        .filter((call) => call.method === 'eth_getBlockByNumber' && call.params?.[0] === 'latest')
        .map((call) => call.id),
    );
    state.polls += latest.size;
    const answer = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const text = await answer.text();
    const at = Date.now();
    for (const result of [JSON.parse(text)].flat() as { id: number; result?: { number?: string } }[]) {
      const number = latest.has(result.id) && result.result?.number ? Number(result.result.number) : null;
      if (number !== null && !seen.has(number)) seen.set(number, at);
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    get polls() {
      return state.polls;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
