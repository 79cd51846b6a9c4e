import { type HttpTransport, http } from 'viem';
import { type Clock, systemClock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { BACKS_OFF, classifyRpcError, type RpcErrorKind, retryAfterMs } from './classify-rpc-error.ts';
import { providerHost } from './provider-host.ts';

export type ProviderMetrics = Pick<
  Metrics,
  | 'rpcRequests'
  | 'rpcErrors'
  | 'rpcRequestDuration'
  | 'rpcProviderHead'
  | 'rpcProviderBackedOff'
  | 'rpcProviderLagging'
>;

/** First back-off after a failure, doubled with each failure in a row up to the cap. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;

/**
 * `batched` joins the requests of one tick into one JSON-RPC batch (headers, small calls);
 * `single` sends each alone, for eth_getLogs ranges whose responses must not share one body.
 */
export type RequestMode = 'batched' | 'single';

export type CallResult = { ok: true; value: unknown } | { ok: false; kind: RpcErrorKind; error: unknown };

export type Provider = {
  readonly index: number;
  readonly host: string;
};

/**
 * One provider's health. Invariants:
 * - `failures` counts failures in a row that back off (classify-rpc-error.ts); 0 is healthy. While
 *   it is above 0 the provider serves no request but as a last resort (no provider healthy), and
 *   from `retryAt` on one probe at a time (`probing`) asks its head: an answer makes it healthy.
 * - `head` is its latest block as last seen; `lagging` holds from when that is more than
 *   `maxLagBlocks` behind the best head of the healthy providers until it is within half of that.
 */
type ProviderState = Provider & {
  readonly labels: { chain_id: string; provider: string; host: string };
  readonly transports: Record<RequestMode, ReturnType<HttpTransport>>;
  failures: number;
  failedAt: number;
  retryAt: number;
  probing: boolean;
  head: number | null;
  lagging: boolean;
};

export type ProviderPool = ReturnType<typeof createProviderPool>;

/**
 * A chain's JSON-RPC providers and what is known of each: which failed (backed off, growing and
 * capped, and probed until it answers again), which lags behind the others' head, and their
 * requests, errors, latency and head in /metrics. The transport that sends through them is
 * providers-transport.ts.
 */
export function createProviderPool(options: {
  chainId: number;
  urls: readonly string[];
  timeoutMs: number;
  maxLagBlocks: number;
  logger: Logger;
  metrics?: ProviderMetrics | undefined;
  /** Aborts every request in flight and any later one (a watcher's stop). */
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
}) {
  const { metrics, signal } = options;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  const log = options.logger.child({ chainId: options.chainId });
  const providers: ProviderState[] = options.urls.map((url, index) => {
    const transport = (batch: boolean) =>
      http(url, {
        batch: batch ? { batchSize: 100 } : false,
        retryCount: 0,
        timeout: options.timeoutMs,
        ...(signal ? { fetchOptions: { signal } } : {}),
      })({ retryCount: 0 });
    const host = providerHost(url);
    return {
      index,
      host,
      labels: { chain_id: String(options.chainId), provider: String(index), host },
      transports: { batched: transport(true), single: transport(false) },
      failures: 0,
      failedAt: 0,
      retryAt: 0,
      probing: false,
      head: null,
      lagging: false,
    };
  });
  const named = (p: ProviderState) => ({ provider: p.index, host: p.host });
  // Every provider's series from the start, so an alert on them sees a provider never in trouble.
  for (const p of providers) {
    metrics?.rpcProviderBackedOff.set(p.labels, 0);
    metrics?.rpcProviderLagging.set(p.labels, 0);
  }

  function bestHead(): number | null {
    let best: number | null = null;
    for (const p of providers) if (p.failures === 0 && p.head !== null) best = Math.max(best ?? 0, p.head);
    return best;
  }

  function updateLagging(): void {
    const best = bestHead();
    for (const p of providers) {
      const behind = best === null || p.head === null ? 0 : best - p.head;
      // Demoted beyond the limit, restored within half of it: a provider hovering at the limit
      // would otherwise flip (and log) with every head.
      const lagging = p.lagging
        ? behind > Math.floor(options.maxLagBlocks / 2)
        : behind > options.maxLagBlocks;
      if (lagging === p.lagging) continue;
      p.lagging = lagging;
      metrics?.rpcProviderLagging.set(p.labels, lagging ? 1 : 0);
      if (lagging)
        log.warn(
          { ...named(p), head: p.head, best, maxLagBlocks: options.maxLagBlocks },
          'RPC provider lags behind the others; not used for heads',
        );
      else log.info({ ...named(p), head: p.head, best }, 'RPC provider caught up; used for heads again');
    }
  }

  function succeeded(p: ProviderState, head: number | null): void {
    if (p.failures > 0) {
      log.info({ ...named(p), failures: p.failures }, 'RPC provider answers again');
      p.failures = 0;
      metrics?.rpcProviderBackedOff.set(p.labels, 0);
    }
    if (head !== null) {
      p.head = head;
      metrics?.rpcProviderHead.set(p.labels, head);
    }
    updateLagging();
  }

  function backOff(p: ProviderState, kind: RpcErrorKind, error: unknown, startedAt: number): void {
    // A request sent before the failure that backed it off (one batch fails as many requests)
    // says nothing new: one outage is one step of the back-off.
    if (p.failures > 0 && p.failedAt >= startedAt) return;
    const at = now();
    p.failures++;
    p.failedAt = at;
    const asked = Math.min(retryAfterMs(error, at) ?? 0, BACKOFF_CAP_MS);
    const backoffMs = Math.max(asked, Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (p.failures - 1)));
    p.retryAt = at + backoffMs;
    metrics?.rpcProviderBackedOff.set(p.labels, 1);
    const fields = { ...named(p), kind, failures: p.failures, backoffMs, err: error };
    // With one provider there is no other to turn to: the failed step says it, once is enough.
    if (p.failures === 1 && providers.length > 1) log.warn(fields, 'RPC provider failed; backed off');
    else log.debug(fields, 'RPC provider still failing; backed off');
    updateLagging();
  }

  /** Sends one request to one provider, and records what its answer says about the provider. */
  async function call(
    provider: Provider,
    mode: RequestMode,
    method: string,
    params: unknown,
  ): Promise<CallResult> {
    const p = provider as ProviderState;
    const startedAt = now();
    metrics?.rpcRequests.inc(p.labels);
    try {
      const value: unknown = await p.transports[mode].request({ method, params } as never);
      metrics?.rpcRequestDuration.observe(p.labels, (now() - startedAt) / 1000);
      succeeded(p, headOf(method, params, value));
      return { ok: true, value };
    } catch (error) {
      metrics?.rpcRequestDuration.observe(p.labels, (now() - startedAt) / 1000);
      const kind = classifyRpcError(error);
      if (kind === 'aborted') return { ok: false, kind, error };
      metrics?.rpcErrors.inc({ ...p.labels, kind });
      if (BACKS_OFF.has(kind)) backOff(p, kind, error, startedAt);
      return { ok: false, kind, error };
    }
  }

  return {
    providers: providers as readonly Provider[],
    /** The pool's abort signal, which also ends a retry's pause (providers-transport.ts). */
    signal,
    call,
    bestHead,
    isHealthy: (provider: Provider) => (provider as ProviderState).failures === 0,
    /**
     * The providers to send a request to, in order: the healthy ones that keep up, then the healthy
     * ones that lag (a block they lack is asked of the next); each group in the order of the
     * chain's rpcUrls. With none healthy, all of them: a request is never refused unsent.
     */
    candidates(): Provider[] {
      const healthy = providers.filter((p) => p.failures === 0);
      if (healthy.length === 0) return [...providers];
      return [...healthy.filter((p) => !p.lagging), ...healthy.filter((p) => p.lagging)];
    },
    /** The healthy providers, whose heads a head request compares (providers-transport.ts). */
    headCandidates: (): Provider[] => providers.filter((p) => p.failures === 0),
    /**
     * Probes, in the background, each backed-off provider whose back-off is over: its head, once.
     * An answer makes it healthy; a failure backs it off longer. Live requests never wait on a
     * provider that failed until it answered a probe, so an outage costs one timeout, not one
     * per back-off.
     */
    probeDue(): void {
      if (signal?.aborted) return;
      const at = now();
      for (const p of providers) {
        if (p.failures === 0 || p.probing || at < p.retryAt) continue;
        p.probing = true;
        void call(p, 'batched', 'eth_blockNumber', []).finally(() => {
          p.probing = false;
        });
      }
    },
  };
}

/** The head a response tells of: eth_blockNumber, or the `latest` block's number. */
export function headOf(method: string, params: unknown, value: unknown): number | null {
  if (method === 'eth_blockNumber' && typeof value === 'string') return Number(BigInt(value));
  if (method !== 'eth_getBlockByNumber' || !Array.isArray(params) || params[0] !== 'latest') return null;
  const number = (value as { number?: unknown } | null)?.number;
  return typeof number === 'string' ? Number(BigInt(number)) : null;
}
