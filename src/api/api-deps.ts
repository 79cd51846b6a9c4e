import type { Hex } from 'viem';
import type { ChainConfig } from '../config/chains.ts';
import type { Config } from '../config/env.ts';
import type { Clock } from '../domain/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SecretBox } from '../store/secret-box.ts';
import type { Store } from '../store/store.ts';
import type { OpenSweep } from '../store/sweep-rows.ts';
import type { ApiApp } from './api-env.ts';
import type { ReadinessCheck } from './routes/health.ts';

/** Decides whether a URL may receive webhooks (scheme, and no private address unless allowed). */
export type WebhookUrlCheck = (url: string) => Promise<
  | { ok: true; url: string }
  | {
      ok: false;
      code: 'webhook_url_invalid' | 'webhook_url_private' | 'webhook_url_unresolvable';
      reason: string;
    }
>;

/** The settings the API reads; each route picks the few it uses. */
export type ApiConfig = Pick<Config, 'chains' | 'publicUrl' | 'limits' | 'allowPrivateWebhookUrls'>;

/** What the API's routes use. An `AppContext` is one, so runtime/ passes its own. */
export type ApiDeps = {
  /** The database, whichever engine (store/store.ts). */
  store: Store;
  logger: Logger;
  clock: Clock;
  /** Seals and opens stored webhook secrets. */
  secrets: SecretBox;
  metrics: Pick<Metrics, 'httpRequestDuration' | 'registry'>;
  config: ApiConfig;
};

/**
 * The chain work behind `/v1/sweeps*`: implemented in sweep/ (create-sweep-service.ts) and wired by
 * runtime/, so api never imports sweep. Both read the chain through one client per chain.
 */
export type SweepService = {
  /** The open unsigned sweeps of the chain for this merchant, after recording new ones for what is due. */
  createUnsigned(
    chain: ChainConfig,
    request: { merchantId: string; min?: string | undefined },
  ): Promise<OpenSweep[]>;
  /** Checks a reported transaction against the sweep's calldata and marks the sweep sent. */
  reportTransaction(chain: ChainConfig, sweep: OpenSweep, txHash: Hex): Promise<OpenSweep>;
};

export type ApiOptions = {
  /** The SSRF guard applied to webhook endpoint URLs (notify/url-guard.ts in production). */
  checkWebhookUrl: WebhookUrlCheck;
  sweeps: SweepService;
  readiness?: ReadinessCheck;
  /** False when a private listener serves /metrics (METRICS_PORT): then the public app has none. */
  serveMetrics?: boolean;
  /** Extra public routes mounted by the runtime (the checkout page). */
  mount?: (app: ApiApp) => void;
  /**
   * Called after a commit that wrote events or deliveries, so the delivery relay ticks now rather
   * than at its poll interval: a direct call in one process, a Redis wake-up to `work` otherwise.
   */
  onEvents?: () => void;
};
