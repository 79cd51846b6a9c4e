import { createServer, type Server } from 'node:http';
import type { Address, Hash, Hex } from 'viem';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { FinalityTagUnsupportedError } from '../../src/chain/errors.ts';
import type { Watcher } from '../../src/chain/watcher.ts';
import { type ChainConfig, RPC_DEFAULTS } from '../../src/config/chains.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import type { Confirmations, FinalityTag } from '../../src/domain/chain.ts';
import { createChainWatcher } from '../../src/runtime/create-chain-watcher.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { query } from '../../src/store/sql.ts';
import { createTestClients, mine, reorg, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';

/**
 * Confirmations by block tag (docs/architecture.md "Confirmations and finality") on the run's
 * anvil, whose `safe` and `finalized` blocks lag its head by 32 and 64 blocks (anvil 1.7.1; the
 * first test holds it to that, so a change of anvil shows there first).
 */
withSnapshot();

const LAG: Record<FinalityTag, number> = { safe: 32, finalized: 64 };

let ctx: TestContext;
let merchantId: string;
const watchers: Watcher[] = [];

function chainConfig(confirmations: Confirmations, rpcUrl = inject('rpcUrl')): ChainConfig {
  return {
    chainId: inject('chainId'),
    name: 'Anvil',
    rpcUrls: [rpcUrl],
    wsUrls: [],
    ...RPC_DEFAULTS,
    confirmations,
    pollIntervalMs: 50,
    tokens: inject('tokens').map((token) => ({ ...token, address: token.address as Address })),
  };
}

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[0]?.address as Address;

function newWatcher(confirmations: Confirmations, rpcUrl?: string): Watcher {
  const watcher = createChainWatcher(ctx, chainConfig(confirmations, rpcUrl));
  watchers.push(watcher);
  return watcher;
}

/**
 * Blocks mined before a test reorgs: anvil cannot revert to a snapshot whose block a reorg
 * replaced, so every reorg here stays above the test's starting block.
 */
const REORG_MARGIN = 60;

/** Steps the watcher until it is level with the node (bounded, no sleeps). */
async function sync(watcher: Watcher): Promise<void> {
  for (let i = 0; i < 500; i++) if ((await watcher.step()).kind === 'synced') return;
  throw new Error('watcher did not reach the head in 500 steps');
}

async function newInvoice() {
  const token = inject('tokens').find((candidate) => candidate.symbol === 'USDC');
  if (!token) throw new Error('no USDC');
  const { invoice } = await ctx.store.write(
    createInvoice,
    {
      merchantId,
      chainId: inject('chainId'),
      token: { ...token, address: token.address as Address },
      amount: 10_000_000n,
      expiresInSeconds: 3600,
    },
    { publicUrl: ctx.config.publicUrl, now: new Date() },
  );
  return invoice;
}

/** Pays the invoice 10 USDC; the block it was mined in and its transaction. */
async function pay(invoice: { depositAddress: Address }): Promise<{ block: number; txHash: Hash }> {
  const receipt = await sendToken({
    token: usdc(),
    from: payer(),
    to: invoice.depositAddress,
    amount: 10_000_000n,
  });
  return { block: Number(receipt.blockNumber), txHash: receipt.transactionHash };
}

function transfersOf(invoiceId: string) {
  return ctx.store.read(function* () {
    return yield* query<{ status: string; version: number; confirmations: number; block_number: number }>(
      'SELECT status, version, confirmations, block_number FROM transfers WHERE invoice_id = ? ORDER BY id',
    ).all(invoiceId);
  });
}

const cursorOf = () => ctx.store.read(getCursor, inject('chainId'));

async function tagBlock(tag: FinalityTag): Promise<number> {
  return Number((await createTestClients().publicClient.getBlock({ blockTag: tag })).number);
}

beforeEach(async () => {
  ctx = await createTestContext({ chains: [chainConfig('finalized')] });
  merchantId = (await addMerchant(ctx)).merchant.id;
});
afterEach(async () => {
  await Promise.all(watchers.splice(0).map((watcher) => watcher.stop()));
  await ctx.close();
});

describe('confirmations by block tag', () => {
  it.each(['safe', 'finalized'] as const)(
    'with "%s", a payment stays detected until the tag’s block reaches its block',
    async (tag) => {
      const watcher = newWatcher(tag);
      await sync(watcher);
      const invoice = await newInvoice();
      const { block } = await pay(invoice);
      await sync(watcher);
      expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'detected', confirmations: 1 }]);
      await mine(LAG[tag] - 1);
      await sync(watcher);
      expect(await tagBlock(tag)).toBe(block - 1);
      // The count goes on for display; no count confirms it.
      expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'detected', confirmations: LAG[tag] }]);
      await mine(1);
      await sync(watcher);
      expect(await tagBlock(tag)).toBe(block);
      expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'confirmed', version: 2 }]);
    },
  );

  it('a reorg above the tag moves the payment to a later block: confirmed once the tag reaches the new one', async () => {
    const watcher = newWatcher('safe');
    await mine(REORG_MARGIN);
    await sync(watcher);
    const invoice = await newInvoice();
    const { block, txHash } = await pay(invoice);
    await mine(5);
    await sync(watcher);
    const { publicClient } = createTestClients();
    const raw = (await publicClient.request({
      method: 'eth_getRawTransactionByHash' as never,
      params: [txHash] as never,
    })) as Hex;
    // Blocks block-1 … block+5 replaced; the payment lands in the fifth new one, block + 4.
    await reorg(7, [[raw, 5]]);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([
      { status: 'reverted', block_number: block },
      { status: 'detected', block_number: block + 4 },
    ]);
    // The tag passes the old height, not the new one.
    await mine(30);
    await sync(watcher);
    expect(await tagBlock('safe')).toBe(block + 3);
    expect(await transfersOf(invoice.id)).toMatchObject([
      { status: 'reverted', version: 2 },
      { status: 'detected', version: 1 },
    ]);
    await mine(1);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([
      { status: 'reverted', version: 2 },
      { status: 'confirmed', version: 2, block_number: block + 4 },
    ]);
    expect((await cursorOf())?.deepReorgAt).toBeNull();
  });

  it('never confirms a transfer reorged out, even when the tag passed its height before the watcher looked', async () => {
    const watcher = newWatcher('safe');
    await mine(REORG_MARGIN);
    await sync(watcher);
    const invoice = await newInvoice();
    await pay(invoice);
    await sync(watcher);
    await reorg(3);
    await mine(40);
    // A new address makes the next step commit its catch-up first, still on the old cursor.
    await newInvoice();
    await sync(watcher);
    // Detected, then reverted: version 2. Confirmed in between, it would be version 3.
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'reverted', version: 2 }]);
    // Replaced while above the tag: an ordinary reorg, found late.
    expect((await cursorOf())?.deepReorgAt).toBeNull();
  });

  it('a reorg below the tag’s block reverts the payment and raises the deep-reorg alert', async () => {
    const watcher = newWatcher('safe');
    await mine(REORG_MARGIN);
    await sync(watcher);
    const invoice = await newInvoice();
    const { block } = await pay(invoice);
    await mine(40);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'confirmed' }]);
    await reorg(45);
    await sync(watcher);
    expect(await transfersOf(invoice.id)).toMatchObject([{ status: 'reverted', version: 3 }]);
    const cursor = await cursorOf();
    expect(cursor?.deepReorgDetail).toContain(`below block ${block + 8}, which the "safe" block had reached`);
    expect(ctx.logs.filter((line) => line.includes('"alert":"deep_reorg"'))).toHaveLength(1);
  });
});

describe('a node without the block tag', () => {
  let proxy: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    proxy = undefined;
  });

  /** A JSON-RPC proxy to anvil that answers eth_getBlockByNumber("finalized") with `answer`. */
  async function proxyWithout(answer: { result: null } | { error: { code: number; message: string } }) {
    const upstream = inject('rpcUrl');
    proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as
        | { id: number; method: string; params: unknown[] }
        | { id: number; method: string; params: unknown[] }[];
      const one = async (call: { id: number; method: string; params: unknown[] }) => {
        if (call.method === 'eth_getBlockByNumber' && call.params[0] === 'finalized')
          return { jsonrpc: '2.0', id: call.id, ...answer };
        const forwarded = await fetch(upstream, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(call),
        });
        return forwarded.json();
      };
      const result = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(result));
    });
    await new Promise<void>((resolve) => proxy?.listen(0, '127.0.0.1', resolve));
    const address = proxy.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  it.each([
    ['answers null', { result: null }, 'it answered null'],
    [
      'answers an error',
      { error: { code: -32602, message: 'invalid block tag' } },
      'error -32602: invalid block tag',
    ],
  ] as const)('fails every step with a clear error when it %s', async (_, answer, said) => {
    const watcher = newWatcher('finalized', await proxyWithout(answer));
    const failure = await watcher.step().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FinalityTagUnsupportedError);
    expect((failure as Error).message).toContain(
      `confirms by the "finalized" block, and its node gave none (${said})`,
    );
    // Nothing was scanned: a payment could be detected but never confirmed.
    expect(await cursorOf()).toBeNull();
    // Running, the loop logs it as an error (not a retryable warning).
    watcher.start();
    await waitUntil(() => ctx.logs.some((line) => line.includes('finality_tag_unsupported')), {
      timeoutMs: 10_000,
    });
    const line = JSON.parse(ctx.logs.find((entry) => entry.includes('finality_tag_unsupported')) ?? '{}');
    expect(line).toMatchObject({ level: 50, msg: 'watcher step failed; retrying' });
  });
});
