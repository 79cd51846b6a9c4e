import { Writable } from 'node:stream';
import type { Hash } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics, type Metrics } from '../../src/observability/metrics.ts';
import { createProviderPool } from '../../src/rpc/provider-pool.ts';
import { createProvidersClient } from '../../src/rpc/providers-transport.ts';
import { startFaultProxy } from '../chaos/support/tcp-fault-proxy.ts';
import { createTestClients, mine, withSnapshot } from '../fixtures/chain.ts';
import { createManualClock } from '../fixtures/context.ts';
import { type JsonRpcProxy, startJsonRpcProxy } from '../fixtures/json-rpc-proxy.ts';

withSnapshot();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function proxy(): Promise<JsonRpcProxy> {
  const started = await startJsonRpcProxy({ target: inject('rpcUrl') });
  cleanups.push(() => started.close());
  return started;
}

/** A pool on `urls` with real metrics and a logger the test reads; requests are not retried. */
function newPool(
  urls: string[],
  options: { timeoutMs?: number; clock?: ReturnType<typeof createManualClock> } = {},
) {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const pool = createProviderPool({
    chainId: inject('chainId'),
    urls,
    timeoutMs: options.timeoutMs ?? 5_000,
    maxLagBlocks: 5,
    logger: createLogger({ level: 'debug', destination }),
    metrics,
    clock: options.clock,
  });
  const client = createProvidersClient(pool, { mode: 'batched', retryCount: 0 });
  return {
    pool,
    client,
    metrics,
    logs,
    provider: (index: number) => pool.providers[index] as (typeof pool.providers)[0],
  };
}

/** The value of one series of a metric, 0 when it has none yet. */
async function metric(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const found = await metrics.registry.getSingleMetric(name)?.get();
  const series = found?.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return series?.value ?? 0;
}

const elapsedMs = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

const anvilHead = async () => Number(await createTestClients().publicClient.getBlockNumber());

describe('provider pool', () => {
  it('fails over from a blackholed provider within one request timeout, then skips it until it answers again', async () => {
    const faulty = await startFaultProxy({ target: inject('rpcUrl') });
    cleanups.push(() => faulty.close());
    const blackhole = faulty.blackhole(5_000);
    // A hosted provider's URL carries its key (here in the query, which anvil ignores): it must not
    // reach logs or metrics.
    const { pool, client, metrics, logs, provider } = newPool(
      [`${faulty.url}/?apikey=secret-api-key`, inject('rpcUrl')],
      { timeoutMs: 1_500 },
    );
    const head = await anvilHead();

    // The first request waits for the blackholed provider's one timeout, then the next answers.
    const first = await elapsedMs(() =>
      client.request({ method: 'eth_getBlockByNumber', params: [`0x${head.toString(16)}`, false] }),
    );
    expect(first).toBeGreaterThanOrEqual(1_450);
    expect(first).toBeLessThan(3_000);
    expect(pool.isHealthy(provider(0))).toBe(false);
    // Backed off: later requests go straight to the next provider.
    for (let i = 0; i < 5; i++)
      expect(await elapsedMs(() => client.request({ method: 'eth_chainId' }))).toBeLessThan(1_000);
    expect(await elapsedMs(() => client.getBlockNumber())).toBeLessThan(1_000);
    expect(
      await metric(metrics, 'stablegate_rpc_errors_total', { provider: '0', kind: 'timeout' }),
    ).toBeGreaterThanOrEqual(1);
    expect(await metric(metrics, 'stablegate_rpc_requests_total', { provider: '1' })).toBeGreaterThanOrEqual(
      7,
    );
    expect(await metric(metrics, 'stablegate_rpc_provider_backed_off', { provider: '0' })).toBe(1);

    // The blackhole ends: a probe, made once the back-off is over, brings the provider back.
    await blackhole;
    await waitUntil(
      async () => {
        await client.request({ method: 'eth_chainId' });
        return pool.isHealthy(provider(0));
      },
      { timeoutMs: 15_000 },
    );
    expect(await metric(metrics, 'stablegate_rpc_provider_backed_off', { provider: '0' })).toBe(0);

    const exposition = await metrics.registry.metrics();
    expect(exposition).toContain(`provider="0",host="${new URL(faulty.url).host}"`);
    expect(exposition).not.toContain('secret-api-key');
    expect(logs.join('')).toContain('RPC provider failed; backed off');
    expect(logs.join('')).toContain('RPC provider answers again');
    expect(logs.join('')).not.toContain('secret-api-key');
  });

  it.each([
    ['an HTTP 429', { status: 429 }],
    ['a JSON-RPC -32005', { rpcError: { code: -32005, message: 'limit exceeded' } }],
  ] as const)(
    'fails over on %s and backs the provider off, longer each time, until it answers',
    async (_name, refusal) => {
      const limited = await proxy();
      const healthy = await proxy();
      const clock = createManualClock();
      const { pool, client, metrics, provider } = newPool([limited.url, healthy.url], { clock });
      limited.refuse(refusal);
      const asked = () => metric(metrics, 'stablegate_rpc_requests_total', { provider: '0' });
      const refused = () =>
        metric(metrics, 'stablegate_rpc_errors_total', { provider: '0', kind: 'rate_limited' });
      const request = () => client.request({ method: 'eth_chainId' });

      expect(await request()).toBe(`0x${inject('chainId').toString(16)}`);
      expect(healthy.counts().eth_chainId).toBe(1);
      expect(await refused()).toBe(1);
      await request(); // backed off for 1 s: not asked
      expect(await asked()).toBe(1);

      // The back-off doubles with each failed probe: 1 s, then 2 s, then 4 s.
      clock.advance(1_000);
      await request(); // the back-off is over: a probe goes out, and is refused
      await waitUntil(async () => (await refused()) === 2, { timeoutMs: 5_000 });
      clock.advance(1_000);
      await request();
      expect(await asked()).toBe(2);
      clock.advance(1_000);
      await request();
      await waitUntil(async () => (await refused()) === 3, { timeoutMs: 5_000 });
      expect(pool.isHealthy(provider(0))).toBe(false);

      // It stops refusing; after its 4 s, a probe finds it, and it serves first again.
      limited.refuse(null);
      clock.advance(3_000);
      await request();
      expect(await asked()).toBe(3);
      clock.advance(1_000);
      await request();
      await waitUntil(() => pool.isHealthy(provider(0)), { timeoutMs: 5_000 });
      const servedBefore = healthy.counts().eth_chainId ?? 0;
      await request();
      expect(healthy.counts().eth_chainId).toBe(servedBefore);
      expect(limited.counts().eth_chainId).toBeGreaterThanOrEqual(1);
    },
  );

  it('honours a Retry-After longer than its back-off', async () => {
    const limited = await proxy();
    const healthy = await proxy();
    const clock = createManualClock();
    const { client, metrics } = newPool([limited.url, healthy.url], { clock });
    limited.refuse({ status: 429, retryAfterS: 5 });
    await client.request({ method: 'eth_chainId' });
    clock.advance(4_000);
    await client.request({ method: 'eth_chainId' });
    expect(await metric(metrics, 'stablegate_rpc_requests_total', { provider: '0' })).toBe(1);
    clock.advance(1_000);
    await client.request({ method: 'eth_chainId' });
    expect(await metric(metrics, 'stablegate_rpc_requests_total', { provider: '0' })).toBe(2);
  });

  it('keeps a provider 10 blocks behind from heads, and uses it again once it has caught up', async () => {
    await mine(12);
    const lagging = await proxy();
    lagging.setLag(10);
    const { client, metrics, logs } = newPool([lagging.url, inject('rpcUrl')]);
    const head = await anvilHead();

    expect(Number(await client.getBlockNumber())).toBe(head);
    const latest = await client.request({ method: 'eth_getBlockByNumber', params: ['latest', false] });
    expect(Number(BigInt((latest as { number: string }).number))).toBe(head);
    expect(await metric(metrics, 'stablegate_rpc_provider_lagging', { provider: '0' })).toBe(1);
    expect(await metric(metrics, 'stablegate_rpc_provider_head_block', { provider: '0' })).toBe(head - 10);
    expect(await metric(metrics, 'stablegate_rpc_provider_head_block', { provider: '1' })).toBe(head);
    expect(logs.join('')).toContain('RPC provider lags behind the others; not used for heads');

    // While it lags, a header it does not have is never asked of it first.
    const before = lagging.counts().eth_getBlockByNumber ?? 0;
    await client.request({ method: 'eth_getBlockByNumber', params: [`0x${head.toString(16)}`, false] });
    expect(lagging.counts().eth_getBlockByNumber).toBe(before);

    // Within the limit but not within half of it: still kept from heads, so it does not flip.
    lagging.setLag(3);
    await client.getBlockNumber();
    const headOfLagging = () => metric(metrics, 'stablegate_rpc_provider_head_block', { provider: '0' });
    await waitUntil(async () => (await headOfLagging()) === head - 3, { timeoutMs: 5_000 });
    expect(await metric(metrics, 'stablegate_rpc_provider_lagging', { provider: '0' })).toBe(1);

    lagging.setLag(0);
    await mine(1);
    expect(Number(await client.getBlockNumber())).toBe(head + 1);
    await waitUntil(
      async () => (await metric(metrics, 'stablegate_rpc_provider_lagging', { provider: '0' })) === 0,
      {
        timeoutMs: 5_000,
      },
    );
    expect(logs.join('')).toContain('RPC provider caught up; used for heads again');
  });

  it('asks the next provider for the logs of a block the first does not have yet (EIP-234)', async () => {
    await mine(12);
    const lagging = await proxy();
    const current = await proxy();
    lagging.setLag(10);
    const { pool, client, metrics, provider } = newPool([lagging.url, current.url]);
    const { hash } = await createTestClients().publicClient.getBlock();
    const logs = await client.request({ method: 'eth_getLogs', params: [{ blockHash: hash as Hash }] });
    expect(logs).toEqual([]);
    expect(lagging.counts().eth_getLogs).toBe(1);
    expect(current.counts().eth_getLogs).toBe(1);
    expect(
      await metric(metrics, 'stablegate_rpc_errors_total', { provider: '0', kind: 'missing_block' }),
    ).toBe(1);
    // Lagging is not failing: it is not backed off.
    expect(pool.isHealthy(provider(0))).toBe(true);
  });

  it('sends a request that is its own fault to no other provider, and backs none off', async () => {
    const first = await proxy();
    const second = await proxy();
    const { pool, client, provider } = newPool([first.url, second.url]);
    await expect(
      client.request({ method: 'eth_getBlockByNumber', params: ['not-a-block', false] as never }),
    ).rejects.toThrow();
    expect(first.counts().eth_getBlockByNumber).toBe(1);
    expect(second.counts().eth_getBlockByNumber).toBeUndefined();
    expect(pool.isHealthy(provider(0))).toBe(true);
  });
});
