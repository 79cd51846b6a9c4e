import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric of the process, on a registry of its own (no global registry: two apps in one
 * test process must not collide). Names follow stablegate_<subsystem>_<thing>_<unit|total>.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'stablegate_process_' });
  const registers = [registry];
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'stablegate_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    checkoutQrRenders: new Counter({
      name: 'stablegate_checkout_qr_renders_total',
      help: 'QR codes rendered for checkout pages (each invoice and amount due once, then cached)',
      registers,
    }),
    chainHeadLag: new Gauge({
      name: 'stablegate_chain_head_lag_blocks',
      help: "Blocks between the node's head and the watcher's cursor",
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainHead: new Gauge({
      name: 'stablegate_chain_head_block',
      help: "The node's latest block number as last seen",
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainHeadStale: new Gauge({
      name: 'stablegate_chain_head_stale',
      help: "1 while the node's head has stood still longer than the chain's stale-head limit",
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainHeadAge: new Gauge({
      name: 'stablegate_chain_head_age_seconds',
      help: "Seconds since the watcher last saw the node's head advance",
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainBlockTime: new Gauge({
      name: 'stablegate_chain_block_time_seconds',
      help: "The chain's expected block time, configured or learnt; absent for a chain without a block clock",
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainBlocksProcessed: new Counter({
      name: 'stablegate_chain_blocks_processed_total',
      help: 'Blocks scanned by the watcher',
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainLogsProcessed: new Counter({
      name: 'stablegate_chain_logs_processed_total',
      help: 'Transfer logs of configured tokens read by the watcher',
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainTransfersRecorded: new Counter({
      name: 'stablegate_chain_transfers_recorded_total',
      help: 'Transfers to deposit addresses recorded',
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainReorgs: new Counter({
      name: 'stablegate_chain_reorgs_total',
      help: 'Reorgs detected by the watcher',
      labelNames: ['chain_id'] as const,
      registers,
    }),
    chainDetectionLatency: new Histogram({
      name: 'stablegate_chain_detection_latency_seconds',
      help: 'From block timestamp to transfer recorded',
      labelNames: ['chain_id'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    // Per JSON-RPC provider (src/rpc/): `provider` is its place in the chain's rpcUrls and `host`
    // its host; never the URL, whose path or query holds a hosted provider's API key.
    rpcRequests: new Counter({
      name: 'stablegate_rpc_requests_total',
      help: 'JSON-RPC requests sent to each provider (each failover attempt counts)',
      labelNames: ['chain_id', 'provider', 'host'] as const,
      registers,
    }),
    rpcErrors: new Counter({
      name: 'stablegate_rpc_errors_total',
      help: 'Failed JSON-RPC requests per provider by kind (timeout, rate_limited, unavailable, …)',
      labelNames: ['chain_id', 'provider', 'host', 'kind'] as const,
      registers,
    }),
    rpcRequestDuration: new Histogram({
      name: 'stablegate_rpc_request_duration_seconds',
      help: 'JSON-RPC request latency per provider, failures included',
      labelNames: ['chain_id', 'provider', 'host'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rpcProviderHead: new Gauge({
      name: 'stablegate_rpc_provider_head_block',
      help: "Each provider's latest block as last seen",
      labelNames: ['chain_id', 'provider', 'host'] as const,
      registers,
    }),
    rpcProviderBackedOff: new Gauge({
      name: 'stablegate_rpc_provider_backed_off',
      help: '1 while a provider is backed off after failures (skipped until a probe succeeds)',
      labelNames: ['chain_id', 'provider', 'host'] as const,
      registers,
    }),
    rpcProviderLagging: new Gauge({
      name: 'stablegate_rpc_provider_lagging',
      help: "1 while a provider's head is more than maxProviderLagBlocks behind the best (not used for heads)",
      labelNames: ['chain_id', 'provider', 'host'] as const,
      registers,
    }),
    settlementOutcomes: new Counter({
      name: 'stablegate_settlement_outcomes_total',
      help: 'Settlement jobs by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookOutcomes: new Counter({
      name: 'stablegate_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'stablegate_queue_depth_jobs',
      help: 'Jobs waiting or delayed per queue',
      labelNames: ['queue'] as const,
      registers,
    }),
    wakePublishFailures: new Counter({
      name: 'stablegate_wake_publish_failures_total',
      help: 'Relay wake-ups that could not be published to Redis (the relay polls instead)',
      labelNames: ['kind'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
