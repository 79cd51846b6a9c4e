import { randomUUID } from 'node:crypto';
import type { Address } from 'viem';
import { inject } from 'vitest';
import type { WebhookReceiver } from '../../../harness/webhook-receiver.ts';
import type { Watcher } from '../../../src/chain/watcher.ts';
import { type ChainConfig, RPC_DEFAULTS } from '../../../src/config/chains.ts';
import { type RedisServer, startRedisServer } from '../../../src/devnet/start-redis-server.ts';
import type { InvoiceRecord } from '../../../src/domain/invoice.ts';
import { startGateway } from '../../../src/runtime/start-gateway.ts';
import type { Workers } from '../../../src/runtime/start-workers.ts';
import { createInvoice } from '../../../src/store/invoices.ts';
import { createWebhookEndpoint } from '../../../src/store/webhook-endpoints.ts';
import { addMerchant, createTestContext, type TestContext } from '../../fixtures/context.ts';
import { startWebhookSink } from '../../reliability/support/process-harness.ts';

/** CHAOS_SCALE (default 1) shrinks counts and durations for a quicker run. */
export const CHAOS_SCALE = Math.max(0.01, Number(process.env.CHAOS_SCALE ?? '1') || 1);
export const scaled = (full: number, minimum = 1) => Math.max(minimum, Math.round(full * CHAOS_SCALE));

/**
 * The whole pipeline in this process (watcher, relays, settlement, notifier), wired by the
 * product's startGateway without its HTTP listener, on the run's anvil reached through `rpcUrl`
 * (a fault proxy, or anvil itself), with a private redis-server and a webhook sink that verifies
 * signatures. In-process so the test reads metrics and logs directly.
 */
export type Pipeline = {
  ctx: TestContext;
  chain: ChainConfig;
  watcher: Watcher;
  workers: Workers;
  redis: RedisServer;
  sink: WebhookReceiver;
  createInvoice(amount: bigint): Promise<InvoiceRecord>;
  /** Current value of a counter or gauge of the context's registry, summed over labels. */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
};

export async function startPipeline(options: { rpcUrl?: string; confirmations: number }): Promise<Pipeline> {
  const chain: ChainConfig = {
    chainId: inject('chainId'),
    name: 'Anvil',
    rpcUrls: [options.rpcUrl ?? inject('rpcUrl')],
    wsUrls: [],
    ...RPC_DEFAULTS,
    confirmations: options.confirmations,
    pollIntervalMs: 100,
    tokens: inject('tokens').map((token) => ({ ...token, address: token.address as Address })),
  };
  const ctx = await createTestContext({ chains: [chain] });
  const { merchant } = await addMerchant(ctx);
  const redis = await startRedisServer();
  const sink = await startWebhookSink();
  const { secret } = await ctx.store.write(createWebhookEndpoint, {
    merchantId: merchant.id,
    url: sink.url(),
    events: null,
    now: new Date(),
    secrets: ctx.secrets,
  });
  sink.setSecret(secret);
  const pipeline = await startGateway(ctx, {
    redisUrl: redis.url,
    prefix: `chaos-${randomUUID()}`,
    http: false,
  });
  const [watcher] = pipeline.watchers;
  if (!watcher) throw new Error('no watcher: the context has no chain');
  const { workers } = pipeline;
  const token = chain.tokens.find((candidate) => candidate.symbol === 'USDC');
  if (!token) throw new Error('no USDC deployed');
  return {
    ctx,
    chain,
    watcher,
    workers,
    redis,
    sink,
    async createInvoice(amount) {
      const { invoice } = await ctx.store.write(
        createInvoice,
        { merchantId: merchant.id, chainId: chain.chainId, token, amount, expiresInSeconds: 3600 },
        { publicUrl: ctx.config.publicUrl, now: new Date() },
      );
      return invoice;
    },
    async metric(name) {
      const metric = ctx.metrics.registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      return values.reduce((sum, value) => sum + value.value, 0);
    },
    async stop() {
      await pipeline.stop();
      await sink.close();
      await redis.stop();
      await ctx.close();
    },
  };
}
