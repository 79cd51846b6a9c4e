import type { Watcher } from '../chain/watcher.ts';
import type { WakeKind } from '../queue/wake-channels.ts';
import { createWakePublisher } from '../queue/wake-publisher.ts';
import type { AppContext } from './context.ts';
import { createApi } from './create-api.ts';
import { createChainWatcher } from './create-chain-watcher.ts';
import { createReadiness } from './readiness.ts';
import { type ShutdownPlan, shutdown } from './shutdown.ts';
import { type HttpServer, startHttpServer } from './start-http-server.ts';
import { startMetricsServer } from './start-metrics-server.ts';
import { startWorkers, type Workers } from './start-workers.ts';

export type GatewayOptions = {
  redisUrl: string;
  /** The BullMQ key prefix (default `stablegate`); tests and benchmarks share one Redis. */
  prefix?: string;
  settleConcurrency?: number;
  /** false: no API listener, no METRICS_PORT listener and no readiness connection (the pipeline alone). */
  http?: boolean;
  /** false: no watchers; `'stepped'`: built but not started, the caller drives each `step()`. */
  watchers?: boolean | 'stepped';
  /**
   * false: no workers (another process runs them); the watchers and the API then wake that
   * process's relays through Redis (queue/wake-publisher.ts).
   */
  workers?: boolean;
};

/** Whether `Options` leaves part `Key` on for sure: not given, or given as the literal `true`. */
type AlwaysOn<Options, Key extends string> = Key extends keyof Options
  ? Options[Key] extends true
    ? true
    : false
  : true;

/**
 * What started; `server` and `workers` may be null only when the options can turn them off (the
 * default type is the whole gateway, as `stablegate dev` starts it).
 */
export type Gateway<Options extends GatewayOptions = { redisUrl: string }> = {
  server: AlwaysOn<Options, 'http'> extends true ? HttpServer : HttpServer | null;
  /** The private /metrics listener, when METRICS_PORT is set. */
  metricsServer: HttpServer | null;
  watchers: Watcher[];
  workers: AlwaysOn<Options, 'workers'> extends true ? Workers : Workers | null;
  /**
   * Stops everything above in the order of runtime/shutdown.ts. `also` is what the caller owns
   * (its redis-server, the database): it joins the same phases, so one call stops the process.
   */
  stop(also?: ShutdownPlan): Promise<void>;
};

/**
 * The one wiring of the pipeline: workers, one watcher per chain (each commit wakes the
 * settlement relay) and the API, in one process. `stablegate dev` runs all of it; the test and
 * benchmark pipelines turn parts off with the options, never with a wiring of their own. In one
 * process a commit wakes its relay with a call; once a part runs elsewhere, wake-ups cross
 * processes on Redis: published here for relays elsewhere, listened to here for commits elsewhere.
 */
export async function startGateway<const Options extends GatewayOptions>(
  ctx: AppContext,
  options: Options,
): Promise<Gateway<Options>> {
  const workers =
    options.workers === false
      ? null
      : await startWorkers(ctx, {
          redisUrl: options.redisUrl,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          ...(options.settleConcurrency ? { settleConcurrency: options.settleConcurrency } : {}),
          wakeUps: options.watchers === false || options.http === false,
        });
  const publisher =
    workers === null && (options.watchers !== false || options.http !== false)
      ? createWakePublisher({
          redisUrl: options.redisUrl,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          logger: ctx.logger,
          metrics: ctx.metrics,
        })
      : null;
  const wake = (kind: WakeKind) => {
    if (!workers) publisher?.publish(kind);
    else if (kind === 'settle') workers.settlementRelay.wake();
    else workers.deliveryRelay.wake();
  };
  const watchers =
    options.watchers === false
      ? []
      : ctx.config.chains.map((chain) =>
          createChainWatcher(ctx, chain, { onTransfers: () => wake('settle') }),
        );
  const readiness = options.http === false ? null : createReadiness(ctx, { redisUrl: options.redisUrl });
  let server: HttpServer | null = null;
  let metricsServer: HttpServer | null = null;
  const plan = (): ShutdownPlan => ({
    http: [() => server?.close(), () => metricsServer?.close()],
    watchers: watchers.map((watcher) => () => watcher.stop()),
    workers: [() => workers?.close()],
    redis: [() => readiness?.close(), () => publisher?.close()],
  });
  if (readiness) {
    try {
      server = await startHttpServer(createApi(ctx, { readiness, onEvents: () => wake('deliver') }), {
        port: ctx.config.port,
        host: ctx.config.host,
      });
      if (ctx.config.metrics) metricsServer = await startMetricsServer(ctx.metrics, ctx.config.metrics);
    } catch (error) {
      // A port is taken, say: nothing started may keep running behind the caller's error.
      // The start's error is the one to report, not a close failing after it.
      await shutdown(plan()).catch(() => undefined);
      throw error;
    }
  }
  if (options.watchers !== 'stepped') for (const watcher of watchers) watcher.start();
  const gateway = {
    server,
    metricsServer,
    watchers,
    workers,
    stop: (also: ShutdownPlan = {}) => shutdown(plan(), also),
  };
  // Gateway's conditional types name what the branches above guarantee: null only when turned off.
  return gateway as Gateway<Options>;
}
