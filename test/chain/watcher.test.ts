import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { type Address, erc20Abi, parseUnits } from 'viem';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { testStablecoinAbi, testStablecoinBytecode } from '../../contracts-abi/index.ts';
import type { Watcher } from '../../src/chain/watcher.ts';
import { type ChainConfig, RPC_DEFAULTS } from '../../src/config/chains.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createChainWatcher } from '../../src/runtime/create-chain-watcher.ts';
import { commitScan, getCursor } from '../../src/store/chain-state.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { createTestClients, mine, reorg, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';

withSnapshot();

const CONFIRMATIONS = 3;
let ctx: TestContext;
let merchantId: string;
const watchers: Watcher[] = [];

function chainConfig(): ChainConfig {
  return {
    chainId: inject('chainId'),
    name: 'Anvil',
    rpcUrls: [inject('rpcUrl')],
    wsUrls: [],
    ...RPC_DEFAULTS,
    confirmations: CONFIRMATIONS,
    pollIntervalMs: 50,
    tokens: inject('tokens').map((token) => ({ ...token, address: token.address as Address })),
  };
}

const usdc = () =>
  inject('tokens').find((token) => token.symbol === 'USDC') as {
    address: Address;
    decimals: number;
    symbol: string;
  };
const payer = () => inject('payers')[0]?.address as Address;

function newWatcher(): Watcher {
  const watcher = createChainWatcher(ctx, ctx.config.chains[0] as ChainConfig);
  watchers.push(watcher);
  return watcher;
}

/** Steps the watcher until it is level with the node (bounded, no sleeps). */
async function sync(watcher: Watcher): Promise<void> {
  for (let i = 0; i < 500; i++) if ((await watcher.step()).kind === 'synced') return;
  throw new Error('watcher did not reach the head in 500 steps');
}

/** A step that creates one invoice of `amount` USDC: alone, or many in one transaction. */
function* createUsdcInvoice(amount = '10') {
  const token = usdc();
  const { invoice } = yield* createInvoice(
    {
      merchantId,
      chainId: inject('chainId'),
      token: { ...token },
      amount: parseUnits(amount, token.decimals),
      expiresInSeconds: 3600,
    },
    { publicUrl: ctx.config.publicUrl, now: new Date() },
  );
  return invoice;
}

const newInvoice = (amount?: string) => ctx.store.write(createUsdcInvoice, amount);

function transfersOf(invoiceId: string) {
  return ctx.store.read(function* () {
    return yield* query<{
      status: string;
      amount: string;
      confirmations: number;
      block_number: number;
      tx_hash: string;
    }>(
      'SELECT status, amount, confirmations, block_number, tx_hash FROM transfers WHERE invoice_id = ? ORDER BY id',
    ).all(invoiceId);
  });
}

const cursorOf = () => ctx.store.read(getCursor, inject('chainId'));

beforeEach(async () => {
  ctx = await createTestContext({ chains: [chainConfig()] });
  merchantId = (await addMerchant(ctx)).merchant.id;
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
  await ctx.close();
});

describe('chain watcher', () => {
  it('detects an exact transfer, then confirms it after N blocks', async () => {
    const watcher = newWatcher();
    await sync(watcher);
    const invoice = await newInvoice('25.5');
    await sendToken({
      token: usdc().address,
      from: payer(),
      to: invoice.depositAddress,
      amount: 25_500_000n,
    });
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([
      { status: 'detected', amount: '25500000', confirmations: 1 },
    ]);
    await mine(CONFIRMATIONS - 2);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([
      { status: 'detected', confirmations: CONFIRMATIONS - 1 },
    ]);
    await mine(1);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([
      { status: 'confirmed', confirmations: CONFIRMATIONS },
    ]);
  });

  it('ignores a look-alike token (same symbol, other contract) and zero-value transfers', async () => {
    const watcher = newWatcher();
    await sync(watcher);
    const invoice = await newInvoice();
    const { publicClient, walletClient } = createTestClients();
    const deployHash = await walletClient.deployContract({
      account: payer(),
      abi: testStablecoinAbi,
      bytecode: testStablecoinBytecode,
      args: ['USD Coin', 'USDC', 6],
    });
    const fake = (await publicClient.waitForTransactionReceipt({ hash: deployHash }))
      .contractAddress as Address;
    const mintHash = await walletClient.writeContract({
      account: payer(),
      address: fake,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [payer(), 10n ** 12n],
    });
    await publicClient.waitForTransactionReceipt({ hash: mintHash });
    await sendToken({ token: fake, from: payer(), to: invoice.depositAddress, amount: 10_000_000n });
    await sendToken({ token: usdc().address, from: payer(), to: invoice.depositAddress, amount: 0n });
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toEqual([]);
    const balance = await publicClient.readContract({
      address: fake,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [invoice.depositAddress],
    });
    expect(balance).toBe(10_000_000n);
  });

  it('reverts a transfer orphaned by a reorg before confirmation, and detects the re-sent one once', async () => {
    const watcher = newWatcher();
    await sync(watcher);
    const invoice = await newInvoice();
    await sendToken({
      token: usdc().address,
      from: payer(),
      to: invoice.depositAddress,
      amount: 10_000_000n,
    });
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'detected' }]);
    await reorg(1);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'reverted' }]);
    await sendToken({
      token: usdc().address,
      from: payer(),
      to: invoice.depositAddress,
      amount: 10_000_000n,
    });
    await sync(watcher);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'reverted' }, { status: 'detected' }]);
    await mine(CONFIRMATIONS);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'reverted' }, { status: 'confirmed' }]);
  });

  it('catches up after 500 blocks of downtime with no gap and no duplicate', async () => {
    const first = newWatcher();
    await sync(first);
    const invoice = await newInvoice();
    await sendToken({ token: usdc().address, from: payer(), to: invoice.depositAddress, amount: 1_000_000n });
    await sync(first);
    await first.stop();
    await mine(200);
    await sendToken({ token: usdc().address, from: payer(), to: invoice.depositAddress, amount: 2_000_000n });
    await mine(300);
    await sendToken({ token: usdc().address, from: payer(), to: invoice.depositAddress, amount: 3_000_000n });
    const second = newWatcher();
    await sync(second);
    const head = Number(await createTestClients().publicClient.getBlockNumber());
    expect((await cursorOf())?.number).toBe(head);
    expect((await transfersOf(invoice.id)).map((transfer) => [transfer.amount, transfer.status])).toEqual([
      ['1000000', 'confirmed'],
      ['2000000', 'confirmed'],
      ['3000000', 'detected'],
    ]);
  });

  it('credits an invoice created while the cursor was already past its payment', async () => {
    const watcher = newWatcher();
    await sync(watcher);
    const invoice = await newInvoice();
    const receipt = await sendToken({
      token: usdc().address,
      from: payer(),
      to: invoice.depositAddress,
      amount: 5_000_000n,
    });
    const block = await createTestClients().publicClient.getBlock({ blockNumber: receipt.blockNumber });
    // The race: a scan that began before the address was indexed commits a cursor past its payment.
    await ctx.store.write(commitScan, {
      chainId: inject('chainId'),
      transfers: [],
      blocks: [
        {
          number: Number(block.number),
          hash: block.hash,
          parentHash: block.parentHash,
          timestamp: Number(block.timestamp),
        },
      ],
      cursor: { number: Number(block.number), hash: block.hash, timestamp: Number(block.timestamp) },
      headNumber: Number(block.number),
      indexedRowId: 0,
      confirmedThrough: Number(block.number) - CONFIRMATIONS + 1,
      windowSize: 64,
      now: new Date(),
    });
    const restarted = newWatcher();
    await sync(restarted);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'detected', amount: '5000000' }]);
    await sync(restarted);
    expect(await transfersOf(invoice.id)).toHaveLength(1);
  });

  it('catches up an address on a later step when its catch-up scan failed', async () => {
    const proxy = await startCatchUpRefusingProxy();
    try {
      const watcher = createChainWatcher(ctx, { ...chainConfig(), rpcUrls: [proxy.url] });
      watchers.push(watcher);
      await sync(watcher);
      const indexed = (await cursorOf())?.indexedRowId ?? 0;
      const invoice = await newInvoice();
      const receipt = await sendToken({
        token: usdc().address,
        from: payer(),
        to: invoice.depositAddress,
        amount: 4_000_000n,
      });
      const block = await createTestClients().publicClient.getBlock({ blockNumber: receipt.blockNumber });
      // The cursor passes the payment before the address is indexed: the next step must catch it up.
      await ctx.store.write(commitScan, {
        chainId: inject('chainId'),
        transfers: [],
        blocks: [
          {
            number: Number(block.number),
            hash: block.hash,
            parentHash: block.parentHash,
            timestamp: Number(block.timestamp),
          },
        ],
        cursor: { number: Number(block.number), hash: block.hash, timestamp: Number(block.timestamp) },
        headNumber: Number(block.number),
        indexedRowId: indexed,
        confirmedThrough: Number(block.number) - CONFIRMATIONS + 1,
        windowSize: 64,
        now: new Date(),
      });
      proxy.refusing = true;
      await expect(watcher.step()).rejects.toThrow();
      proxy.refusing = false;
      await sync(watcher);
      expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'detected', amount: '4000000' }]);
    } finally {
      await proxy.close();
    }
  });

  it('stops at once while its node hangs, instead of waiting out the retries of the request in flight', async () => {
    // A node that accepts connections and never answers: each request would take 15 s × 5 attempts.
    const held = new Set<Socket>();
    const hung = createServer((socket) => {
      held.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as { port: number };
    try {
      const chain = { ...(ctx.config.chains[0] as ChainConfig), rpcUrls: [`http://127.0.0.1:${port}`] };
      const watcher = createChainWatcher(ctx, chain);
      watchers.push(watcher);
      watcher.start();
      await waitUntil(() => held.size > 0, { timeoutMs: 10_000 }); // its first request is in flight
      const stopped = watcher.stop().then(() => 'stopped' as const);
      // Well inside one request's 15 s timeout: only aborting the request can end the step by then.
      const outcome = await Promise.race([
        stopped,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 5_000)),
      ]);
      expect(outcome).toBe('stopped');
      expect(ctx.logs.filter((line) => line.includes('watcher step failed'))).toEqual([]);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  });

  it('wakes on WebSocket newHeads instead of waiting for the next poll', async () => {
    const chain = {
      ...(ctx.config.chains[0] as ChainConfig),
      wsUrls: [inject('wsUrl')],
      pollIntervalMs: 60_000,
    };
    const watcher = createChainWatcher(ctx, chain);
    watchers.push(watcher);
    await sync(watcher);
    watcher.start();
    // The subscription connects asynchronously: mine until a block wakes the watcher once.
    const cursorNumber = async () => (await cursorOf())?.number ?? 0;
    const before = await cursorNumber();
    await waitUntil(
      async () => {
        await mine(1);
        return (await cursorNumber()) > before;
      },
      { timeoutMs: 20_000 },
    );
    const invoice = await newInvoice();
    await sendToken({ token: usdc().address, from: payer(), to: invoice.depositAddress, amount: 7_000_000n });
    // Polling is once a minute here: only a newHeads notification can wake the loop this soon.
    await waitUntil(async () => (await transfersOf(invoice.id)).length === 1, { timeoutMs: 20_000 });
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'detected', amount: '7000000' }]);
  });

  it('watches 10,000 addresses and credits the paid ones', async () => {
    const watcher = newWatcher();
    await sync(watcher);
    // One transaction for the setup only: 10,000 fsyncs would measure the disk, not the watcher.
    const invoices = await ctx.store.write(function* () {
      const created = [];
      for (let i = 0; i < 10_000; i++) created.push(yield* createUsdcInvoice('1'));
      return created;
    });
    const paid = [invoices[17], invoices[5_000], invoices[9_999]].filter((invoice) => invoice !== undefined);
    for (const invoice of paid) {
      await sendToken({
        token: usdc().address,
        from: payer(),
        to: invoice.depositAddress,
        amount: 1_000_000n,
      });
    }
    await sync(watcher);
    expect(watcher.watchedAddresses).toBe(10_000);
    for (const invoice of paid) expect(await transfersOf(invoice.id)).toMatchObject([{ amount: '1000000' }]);
    const recorded = await ctx.store.read(function* () {
      return yield* pluck<number>('SELECT count(*) FROM transfers').get();
    });
    expect(recorded).toBe(3);
  }, 180_000);
});

/**
 * A JSON-RPC pass-through to the run's anvil that, while `refusing`, answers a catch-up scan (an
 * eth_getLogs filtered by its `to` topics) with an error viem does not retry.
 */
async function startCatchUpRefusingProxy() {
  type Call = { id: number; method: string; params?: { topics?: unknown[] }[] };
  const state = { refusing: false };
  const server = createHttpServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Call | Call[];
    const one = async (call: Call) => {
      if (state.refusing && call.method === 'eth_getLogs' && call.params?.[0]?.topics?.[2])
        return { jsonrpc: '2.0', id: call.id, error: { code: -32602, message: 'refused for the test' } };
      const forwarded = await fetch(inject('rpcUrl'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(call),
      });
      return forwarded.json();
    };
    const answer = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
