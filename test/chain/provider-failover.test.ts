import { createServer } from 'node:net';
import { type Address, parseUnits } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Watcher } from '../../src/chain/watcher.ts';
import { type ChainConfig, RPC_DEFAULTS } from '../../src/config/chains.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createChainWatcher } from '../../src/runtime/create-chain-watcher.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { query } from '../../src/store/sql.ts';
import { startFaultProxy } from '../chaos/support/tcp-fault-proxy.ts';
import { createTestClients, mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';
import { startJsonRpcProxy } from '../fixtures/json-rpc-proxy.ts';

withSnapshot();

/** Short, so that "no later than one request timeout" is quick to test and far from a poll. */
const RPC_TIMEOUT_MS = 1_000;
/** What a detection may take beyond the timeout on this shared machine: polls, commits, load. */
const SLACK_MS = 1_000;

let ctx: TestContext | undefined;
let merchantId: string;
const watchers: Watcher[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const watcher of watchers.splice(0)) await watcher.stop();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await ctx?.close();
  ctx = undefined;
});

function chainWith(overrides: Partial<ChainConfig>): ChainConfig {
  return {
    chainId: inject('chainId'),
    name: 'Anvil',
    rpcUrls: [inject('rpcUrl')],
    wsUrls: [],
    ...RPC_DEFAULTS,
    confirmations: 1,
    pollIntervalMs: 50,
    tokens: inject('tokens').map((token) => ({ ...token, address: token.address as Address })),
    ...overrides,
  };
}

/** A context and a started watcher on `chain`, level with the node before it returns. */
async function watch(chain: ChainConfig): Promise<{ ctx: TestContext; watcher: Watcher }> {
  const context = await createTestContext({ chains: [chain] });
  ctx = context;
  merchantId = (await addMerchant(context)).merchant.id;
  const watcher = createChainWatcher(context, chain);
  watchers.push(watcher);
  for (let i = 0; i < 100 && (await watcher.step()).kind !== 'synced'; i++);
  watcher.start();
  return { ctx: context, watcher };
}

const usdc = () =>
  inject('tokens').find((token) => token.symbol === 'USDC') as { address: Address; decimals: number };
const payer = () => inject('payers')[0]?.address as Address;

/** Pays a new invoice and answers how long the watcher took to record the transfer (ms). */
async function payAndTime(context: TestContext, timeoutMs = 20_000): Promise<number> {
  const token = usdc();
  const { invoice } = await context.store.write(
    createInvoice,
    {
      merchantId,
      chainId: inject('chainId'),
      token: { symbol: 'USDC', ...token },
      amount: parseUnits('5', token.decimals),
      expiresInSeconds: 3600,
    },
    { publicUrl: context.config.publicUrl, now: new Date() },
  );
  const recorded = async () =>
    (await context.store.read(function* () {
      return yield* query('SELECT 1 FROM transfers WHERE invoice_id = ?').get(invoice.id);
    })) !== undefined;
  const started = performance.now();
  await sendToken({ token: token.address, from: payer(), to: invoice.depositAddress, amount: 5_000_000n });
  await waitUntil(recorded, { timeoutMs });
  return performance.now() - started;
}

const metricText = async (context: TestContext) => context.metrics.registry.metrics();

describe('a chain with several providers', () => {
  it('detects payments while its first provider is blackholed, no later than one request timeout', async () => {
    const faulty = await startFaultProxy({ target: inject('rpcUrl') });
    cleanups.push(() => faulty.close());
    const { ctx } = await watch(
      chainWith({ rpcUrls: [faulty.url, inject('rpcUrl')], rpcTimeoutMs: RPC_TIMEOUT_MS }),
    );
    // Longer than the test: closing the proxy ends it.
    void faulty.blackhole(15_000);

    // The first payment may wait for one request to the blackholed provider to time out; the
    // next ones find it backed off and do not wait at all.
    const first = await payAndTime(ctx);
    const second = await payAndTime(ctx);
    const third = await payAndTime(ctx);
    expect(first).toBeLessThan(RPC_TIMEOUT_MS + SLACK_MS);
    expect(Math.max(second, third)).toBeLessThan(SLACK_MS);
    expect(faulty.counts().blackholed).toBeGreaterThan(0);
    const exposition = await metricText(ctx);
    expect(exposition).toMatch(
      /stablegate_rpc_errors_total\{chain_id="\d+",provider="0",host="[^"]+",kind="timeout"\} [1-9]/,
    );
    expect(exposition).toMatch(
      /stablegate_rpc_provider_backed_off\{chain_id="\d+",provider="0",host="[^"]+"\} 1/,
    );
    expect(exposition).toMatch(
      /stablegate_rpc_requests_total\{chain_id="\d+",provider="1",host="[^"]+"\} [1-9]/,
    );
  });

  it('takes its head from the provider that keeps up, not from one 10 blocks behind', async () => {
    await mine(12);
    const lagging = await startJsonRpcProxy({ target: inject('rpcUrl') });
    cleanups.push(() => lagging.close());
    lagging.setLag(10);
    const { ctx } = await watch(chainWith({ rpcUrls: [lagging.url, inject('rpcUrl')] }));
    const head = Number(await createTestClients().publicClient.getBlockNumber());
    expect((await ctx.store.read(getCursor, inject('chainId')))?.number).toBe(head);

    expect(await payAndTime(ctx)).toBeLessThan(SLACK_MS);
    const exposition = await metricText(ctx);
    expect(exposition).toMatch(
      /stablegate_rpc_provider_lagging\{chain_id="\d+",provider="0",host="[^"]+"\} 1/,
    );
    expect(exposition).toMatch(
      /stablegate_rpc_provider_lagging\{chain_id="\d+",provider="1",host="[^"]+"\} 0/,
    );
    expect(ctx.logs.join('')).toContain('RPC provider lags behind the others; not used for heads');
  });

  it('subscribes to newHeads on the next wsUrl when the first fails', async () => {
    // A port nobody listens on: the first subscription fails at once.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    // Polling once a minute: only a newHeads notification wakes the watcher in time.
    const { ctx } = await watch(
      chainWith({ wsUrls: [`ws://127.0.0.1:${port}`, inject('wsUrl')], pollIntervalMs: 60_000 }),
    );
    await waitUntil(() => ctx.logs.some((line) => line.includes('subscribing on the next wsUrl')), {
      timeoutMs: 10_000,
    });
    // The second subscription connects asynchronously: mine until a block wakes the watcher once.
    const cursor = async () => (await ctx.store.read(getCursor, inject('chainId')))?.number ?? 0;
    const before = await cursor();
    await waitUntil(
      async () => {
        await mine(1);
        return (await cursor()) > before;
      },
      { timeoutMs: 20_000 },
    );
    expect(await payAndTime(ctx)).toBeLessThan(20_000);
  });
});
