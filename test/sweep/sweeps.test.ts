import { type Address, erc20Abi, type Hex, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ChainConfig } from '../../src/config/chains.ts';
import { getAnvilAccounts } from '../../src/devnet/anvil-accounts.ts';
import type { InvoiceRecord } from '../../src/domain/invoice.ts';
import { createApi } from '../../src/runtime/create-api.ts';
import { createApiKey } from '../../src/store/api-keys.ts';
import { listEvents } from '../../src/store/events.ts';
import { createMerchant } from '../../src/store/merchants.ts';
import { pluck } from '../../src/store/sql.ts';
import { listSweeps } from '../../src/store/sweep-reads.ts';
import { createSweepClient } from '../../src/sweep/create-sweep-client.ts';
import { UNSIGNED_SWEEP_TTL_MS } from '../../src/sweep/create-unsigned-sweeps.ts';
import {
  type FollowDeps,
  followSweeps,
  UNSIGNED_SCAN_OVERLAP_BLOCKS,
} from '../../src/sweep/follow-sweeps.ts';
import { runSweeps, settleSweeps } from '../../src/sweep/run-sweeps.ts';
import { startSweepPolicy } from '../../src/sweep/start-sweep-policy.ts';
import { GasWalletUnfundedError } from '../../src/sweep/sweep-errors.ts';
import { createTestClients, mine, reorg, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type Gateway, startGateway } from '../fixtures/gateway.ts';

withSnapshot();

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payers = () => inject('payers').map((payer) => payer.address as Address);
// Anvil's account 8: funded with ETH, used by nothing else in the tests.
const gasWallet = getAnvilAccounts({ count: 1, from: 8 })[0] as { address: Address; privateKey: Hex };

let gateway: Gateway;
let payout: Address;
let apiKey: string;

function sweepDeps(overrides: Partial<ChainConfig> = {}): FollowDeps {
  const chain = { ...(gateway.ctx.config.chains[0] as ChainConfig), ...overrides };
  return {
    store: gateway.ctx.store,
    client: createSweepClient(chain, gateway.ctx),
    chain,
    wallet: privateKeyToAccount(gasWallet.privateKey),
    logger: gateway.ctx.logger,
    now: () => gateway.clock.now(),
  };
}

const storedSweeps = (filter: { chainId?: number } = {}) => gateway.ctx.store.read(listSweeps, filter);

async function balanceOf(owner: Address): Promise<bigint> {
  return createTestClients().publicClient.readContract({
    address: usdc(),
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  });
}

/** The rows `sql` counts (`SELECT count(*) …`); a bigint on PostgreSQL, so taken as a number either way. */
const countRows = (sql: string) =>
  gateway.ctx.store.read(function* () {
    return Number(yield* pluck<number | string>(sql).get());
  });

const paidCount = () => countRows("SELECT count(*) FROM invoices WHERE status = 'paid'");

/** `count` invoices of 1.000001 × (i + 1) USDC, each paid exactly; resolves once all are paid. */
async function paidInvoices(count: number) {
  const invoices: InvoiceRecord[] = [];
  for (let i = 0; i < count; i++) invoices.push(await gateway.createInvoice(`${i + 1}.000001`));
  const lanes = payers();
  await Promise.all(
    lanes.map(async (from, lane) => {
      for (let i = lane; i < count; i += lanes.length) {
        const invoice = invoices[i] as InvoiceRecord;
        await sendToken({ token: usdc(), from, to: invoice.depositAddress, amount: invoice.amount });
      }
    }),
  );
  await gateway.waitFor(async () => (await paidCount()) === count, 90_000);
  return invoices;
}

async function api(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  const app = createApi(gateway.ctx, { checkWebhookUrl: async (url) => ({ ok: true as const, url }) });
  const response = await app.request(path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.key ?? apiKey}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeEach(async () => {
  payout = privateKeyToAccount(generatePrivateKey()).address;
  gateway = await startGateway({ confirmations: 1, payout });
  ({ secret: apiKey } = await gateway.ctx.store.write(createApiKey, {
    merchantId: gateway.merchantId,
    name: null,
    now: new Date(),
  }));
});
afterEach(async () => {
  const { testClient } = createTestClients();
  await testClient.setAutomine(true);
  await gateway.stop();
});

describe('sweeps', () => {
  it('sweeps 200 paid invoices in batched transactions: every unit reaches the payout, once', async () => {
    const invoices = await paidInvoices(200);
    const total = invoices.reduce((sum, invoice) => sum + invoice.amount, 0n);
    const deps = sweepDeps();
    const { batches, submitted } = await runSweeps(deps);
    expect(batches.length).toBeGreaterThan(1);
    expect(submitted).toHaveLength(batches.length);
    await settleSweeps(deps, { timeoutMs: 30_000 });

    expect(await balanceOf(payout)).toBe(total);
    for (const invoice of invoices.slice(0, 5)) expect(await balanceOf(invoice.depositAddress)).toBe(0n);
    const sweeps = await storedSweeps({ chainId: deps.chain.chainId });
    expect(sweeps.map((s) => s.status)).toEqual(batches.map(() => 'confirmed'));
    expect(sweeps.flatMap((s) => s.depositAddresses)).toHaveLength(200);
    // The planner's estimates are upper bounds of what the chain charges.
    for (const [i, sweep] of sweeps.entries()) {
      expect(sweep.gasUsed).toBeLessThanOrEqual(batches[i]?.gasEstimate ?? 0n);
    }

    const balances = await api('/v1/balances');
    expect(balances.body.data).toEqual([
      expect.objectContaining({
        received: formatUsdc(total),
        swept: formatUsdc(total),
        inDepositAddresses: '0',
      }),
    ]);
    const events = await api('/v1/events?type=sweep.confirmed&limit=100');
    expect(events.status).toBe(200);
    const confirmed = events.body.data as {
      sweepId: string;
      data: { sweep: { totals: { amount: string }[] } };
    }[];
    expect(confirmed).toHaveLength(batches.length);
    const eventTotal = confirmed.reduce((sum, e) => sum + toUnits(e.data.sweep.totals[0]?.amount ?? '0'), 0n);
    expect(eventTotal).toBe(total);

    // A second sweep finds nothing to do, and records nothing.
    expect((await runSweeps(deps)).batches).toEqual([]);
    expect(await storedSweeps()).toHaveLength(batches.length);
    await gateway.waitFor(
      () => gateway.webhooks().filter((e) => e.type === 'sweep.confirmed').length === batches.length,
    );
  }, 180_000);

  it('sweeps a late payment that arrives after a sweep, and counts each payment once', async () => {
    const [invoice] = await paidInvoices(1);
    if (!invoice) throw new Error('no invoice');
    const deps = sweepDeps();
    await runSweeps(deps);
    await settleSweeps(deps, { timeoutMs: 10_000 });
    await sendToken({ token: usdc(), from: payers()[0] as Address, to: invoice.depositAddress, amount: 7n });
    await gateway.waitFor(
      async () => (await countRows("SELECT count(*) FROM transfers WHERE status = 'confirmed'")) === 2,
    );
    const { batches } = await runSweeps(deps);
    expect(batches).toHaveLength(1);
    await settleSweeps(deps, { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(invoice.amount + 7n);
    const balances = await api('/v1/balances');
    expect(balances.body.data).toEqual([
      expect.objectContaining({ received: formatUsdc(invoice.amount + 7n), inDepositAddresses: '0' }),
    ]);
    const listed = await api('/v1/sweeps?status=confirmed&limit=1');
    const [newest] = listed.body.data as { id: string; totals: { amount: string }[] }[];
    expect(listed.body.hasMore).toBe(true);
    expect(newest?.totals).toEqual([expect.objectContaining({ amount: '0.000007' })]);
    const one = await api(`/v1/sweeps/${newest?.id}`);
    expect(one.body).toMatchObject({ id: newest?.id, status: 'confirmed', object: 'sweep' });
    const other = (await gateway.ctx.store.write(createMerchant, { name: 'Other', payout })).apiKey;
    expect((await api(`/v1/sweeps/${newest?.id}`, { key: other })).status).toBe(404);
  });

  it('retries a sweep dropped from the mempool with a bumped fee and the same nonce', async () => {
    await paidInvoices(2);
    const { testClient } = createTestClients();
    await testClient.setAutomine(false);
    const deps = sweepDeps();
    const [sweep] = (await runSweeps(deps)).submitted;
    if (!sweep?.txHash) throw new Error('no sweep sent');
    await testClient.request({ method: 'anvil_dropTransaction' as never, params: [sweep.txHash] as never });
    expect(await followSweeps(deps)).toMatchObject({ rebroadcast: 1 });
    await mine(1);
    await settleSweeps(deps, { timeoutMs: 10_000 });
    const [after] = await storedSweeps();
    expect(after?.status).toBe('confirmed');
    expect(after?.nonce).toBe(sweep.nonce);
    expect(after?.txHashes).toHaveLength(2);
    expect(after?.txHash).toBe(after?.txHashes[1]);
    expect(after?.maxFeePerGas).toBeGreaterThan(sweep.maxFeePerGas ?? 0n);
    expect(await balanceOf(payout)).toBe(3_000_002n);
  });

  it('re-checks a sweep whose block is reorged away, and confirms it once', async () => {
    await paidInvoices(2);
    const deps = sweepDeps({ confirmations: 2 });
    await runSweeps(deps);
    expect(await followSweeps(deps)).toMatchObject({ mined: 1 });
    await reorg(1);
    expect(await balanceOf(payout)).toBe(0n);
    expect(await followSweeps(deps)).toMatchObject({ rebroadcast: 1 });
    await mine(1);
    await settleSweeps(deps, { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(3_000_002n);
    const sweeps = await storedSweeps();
    expect(sweeps.map((s) => s.status)).toEqual(['confirmed']);
    expect(sweeps[0]?.flushes.reduce((sum, f) => sum + f.amount, 0n)).toBe(3_000_002n);
  });

  it('confirms a sweep by the chain’s "safe" block: mined until that block reaches its receipt', async () => {
    await paidInvoices(2);
    const deps = sweepDeps({ confirmations: 'safe' });
    await runSweeps(deps);
    // anvil's safe block lags its head by 32: the sweep's block is the head, then 31 blocks on.
    await mine(31);
    expect(await followSweeps(deps)).toMatchObject({ mined: 1, confirmed: 0 });
    await mine(1);
    expect(await followSweeps(deps)).toMatchObject({ confirmed: 1 });
    const [sweep] = await storedSweeps();
    expect(sweep?.status).toBe('confirmed');
    expect(sweep?.flushes.reduce((sum, f) => sum + f.amount, 0n)).toBe(3_000_002n);
  });

  it('a gas wallet without ETH gives a clear error and sweep.failed, and loses nothing', async () => {
    await paidInvoices(1);
    const { testClient } = createTestClients();
    await testClient.setBalance({ address: gasWallet.address, value: 0n });
    const deps = sweepDeps();
    const error = await runSweeps(deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GasWalletUnfundedError);
    expect((error as Error).message).toMatch(
      new RegExp(`gas wallet ${gasWallet.address} has 0 ETH on chain`),
    );
    const [failed] = await storedSweeps();
    expect(failed?.status).toBe('failed');
    const types = (await gateway.ctx.store.read(listEvents, gateway.merchantId, { limit: 100 })).data.map(
      (e) => e.type,
    );
    expect(types).toContain('sweep.failed');
    expect(types).not.toContain('sweep.submitted');

    await testClient.setBalance({ address: gasWallet.address, value: parseEther('10') });
    expect((await runSweeps(deps)).submitted).toHaveLength(1);
    await settleSweeps(deps, { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(1_000_001n);
  });
});

describe('unsigned sweeps, sent from the merchant’s own wallet', () => {
  type SweepJson = {
    id: string;
    status: string;
    from: Address | null;
    txHash: Hex | null;
    planned: { amount: string }[];
    totals: { amount: string }[];
    transaction: { to: Address; data: Hex; gas: Hex } | null;
    expiresAt: string | null;
  };
  /** Follows like `work` does on a chain without a gas wallet. */
  const walletless = (): FollowDeps => ({ ...sweepDeps(), wallet: undefined });
  const createSweeps = async () => {
    const response = await api('/v1/sweeps', { method: 'POST', body: { chainId: inject('chainId') } });
    expect(response.status).toBe(200);
    return response.body.data as SweepJson[];
  };
  const send = async (transaction: { to: Address; data: Hex; gas: Hex }, from = payers()[2] as Address) =>
    createTestClients().walletClient.sendTransaction({
      account: from,
      to: transaction.to,
      data: transaction.data,
      gas: BigInt(transaction.gas),
    });

  it('are recorded, recognised on chain once any wallet sends them, and counted once', async () => {
    const invoices = await paidInvoices(2);
    const total = invoices.reduce((sum, i) => sum + i.amount, 0n);
    const [sweep, ...rest] = await createSweeps();
    expect(rest).toEqual([]);
    if (!sweep?.transaction) throw new Error('no transaction');
    expect(sweep).toMatchObject({ status: 'unsigned', from: null, planned: [{ amount: formatUsdc(total) }] });
    // Asked again, the same open sweep, not a second one for the same addresses.
    expect((await createSweeps()).map((s) => s.id)).toEqual([sweep.id]);

    // A payer, not the gateway, sends it: the money still only reaches the payout.
    await send(sweep.transaction);
    await settleSweeps(walletless(), { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(total);
    const [after] = await storedSweeps();
    expect(after).toMatchObject({ id: sweep.id, status: 'confirmed', from: payers()[2] });
    const got = await api(`/v1/sweeps/${sweep.id}`);
    expect(got.body).toMatchObject({ transaction: null, totals: [{ amount: formatUsdc(total) }] });
    const types = (await gateway.ctx.store.read(listEvents, gateway.merchantId, { limit: 100 })).data
      .map((event) => event.type)
      .filter((type) => type.startsWith('sweep.'));
    expect(types).toEqual(['sweep.confirmed', 'sweep.submitted']);
    const balances = await api('/v1/balances');
    expect(balances.body.data).toEqual([
      expect.objectContaining({
        received: formatUsdc(total),
        swept: formatUsdc(total),
        inDepositAddresses: '0',
      }),
    ]);
    expect(await createSweeps()).toEqual([]);
  });

  it('take a reported transaction hash, and refuse one that sends something else', async () => {
    const [invoice] = await paidInvoices(1);
    const [sweep] = await createSweeps();
    if (!sweep?.transaction) throw new Error('no transaction');
    const report = (txHash: string, key?: string) =>
      api(`/v1/sweeps/${sweep.id}/transaction`, {
        method: 'POST',
        body: { txHash },
        ...(key ? { key } : {}),
      });

    const unknown = await report(`0x${'12'.repeat(32)}`);
    expect([unknown.status, unknown.body.code]).toEqual([422, 'transaction_not_found']);
    const bad = await report('0x1234');
    expect([bad.status, (bad.body.errors as { field: string }[])[0]?.field]).toEqual([400, 'txHash']);
    const { publicClient, walletClient, testClient } = createTestClients();
    const other = await walletClient.sendTransaction({
      account: payers()[2] as Address,
      to: payout,
      value: 1n,
    });
    await publicClient.waitForTransactionReceipt({ hash: other });
    const mismatch = await report(other);
    expect([mismatch.status, mismatch.body.code]).toEqual([422, 'transaction_mismatch']);

    await testClient.setAutomine(false);
    const hash = await send(sweep.transaction);
    // Pending, not mined: the report alone makes it submitted.
    const reported = await report(hash);
    expect(reported.body).toMatchObject({ status: 'submitted', txHash: hash, from: payers()[2] });
    expect((await report(hash)).status).toBe(200);
    const stranger = (await gateway.ctx.store.write(createMerchant, { name: 'Other', payout })).apiKey;
    expect((await report(hash, stranger)).status).toBe(404);
    await mine(1);
    await settleSweeps(walletless(), { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(invoice?.amount);
    const late = await report(other);
    expect([late.status, late.body.code]).toEqual([409, 'sweep_not_unsigned']);
  });

  it('expire unsent, freeing their addresses; a transaction sent after that is counted by the next', async () => {
    const invoices = await paidInvoices(2);
    const total = invoices.reduce((sum, i) => sum + i.amount, 0n);
    const [first] = await createSweeps();
    if (!first?.transaction) throw new Error('no transaction');
    gateway.clock.advance(UNSIGNED_SWEEP_TTL_MS);
    expect(await followSweeps(walletless())).toMatchObject({ failed: 1 });
    const [expired] = await storedSweeps();
    expect(expired?.status).toBe('failed');
    expect(expired?.failureReason).toMatch(/^no transaction was seen before /);

    const [second, ...rest] = await createSweeps();
    expect(rest).toEqual([]);
    expect(second?.id).not.toBe(first.id);
    // The merchant's wallet sends the first, stale transaction after all: the open sweep of the
    // same addresses recognises its Flushed logs, and the money is counted once.
    await send(first.transaction);
    await settleSweeps(walletless(), { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(total);
    expect((await storedSweeps()).map((s) => [s.id, s.status])).toEqual([
      [first.id, 'failed'],
      [second?.id, 'confirmed'],
    ]);
    const balances = await api('/v1/balances');
    expect(balances.body.data).toEqual([
      expect.objectContaining({
        received: formatUsdc(total),
        swept: formatUsdc(total),
        inDepositAddresses: '0',
      }),
    ]);
  });

  it('search a window that follows the head, and still find a transaction sent long after', async () => {
    const [invoice] = await paidInvoices(1);
    const [sweep] = await createSweeps();
    if (!sweep?.transaction) throw new Error('no transaction');
    await mine(500);
    expect(await followSweeps(walletless())).toMatchObject({ unsigned: 1 });
    const head = await createTestClients().publicClient.getBlockNumber();
    const [waiting] = await storedSweeps();
    // The next search starts just below the head searched, not at the planning block.
    expect(BigInt(waiting?.fromBlock ?? 0)).toBe(head - UNSIGNED_SCAN_OVERLAP_BLOCKS);
    await send(sweep.transaction);
    await settleSweeps(walletless(), { timeoutMs: 10_000 });
    expect(await balanceOf(payout)).toBe(invoice?.amount);
    expect((await storedSweeps()).map((s) => [s.id, s.status])).toEqual([[sweep.id, 'confirmed']]);
  });

  it('name bad fields', async () => {
    const bad = await api('/v1/sweeps', { method: 'POST', body: { chainId: 5, min: 'ten' } });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['min']);
    const unknownChain = await api('/v1/sweeps', { method: 'POST', body: { chainId: 5 } });
    expect(unknownChain.body.errors).toEqual([{ field: 'chainId', message: 'no configured chain 5' }]);
  });
});

describe('the sweep policy of work', () => {
  it('sweeps on its interval the addresses holding at least minAmount, and leaves the others', async () => {
    const [small, large] = await paidInvoices(2);
    const chain = {
      ...(gateway.ctx.config.chains[0] as ChainConfig),
      sweep: { minAmount: '2', intervalSeconds: 1, maxBlockGasPercent: 50 },
    };
    const ctx = {
      ...gateway.ctx,
      config: { ...gateway.ctx.config, chains: [chain], sweeperPrivateKey: () => gasWallet.privateKey },
    };
    const policy = startSweepPolicy(ctx);
    try {
      await gateway.waitFor(async () => (await storedSweeps()).some((s) => s.status === 'confirmed'), 20_000);
    } finally {
      await policy.stop();
    }
    expect(await balanceOf(payout)).toBe(large?.amount);
    expect(await balanceOf(small?.depositAddress as Address)).toBe(small?.amount);
  });
});

function formatUsdc(units: bigint): string {
  const whole = units / 1_000_000n;
  const fraction = (units % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

function toUnits(amount: string): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}
