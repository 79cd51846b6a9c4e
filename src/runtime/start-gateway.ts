import type { Watcher } from '../chain/watcher.ts';
import type { AppContext } from './context.ts';
import { createApi } from './create-api.ts';
import { createChainWatcher } from './create-chain-watcher.ts';
import { createReadiness } from './readiness.ts';
import { type HttpServer, startHttpServer } from './start-http-server.ts';
import { startMetricsServer } from './start-metrics-server.ts';
import { startWorkers, type Workers } from './start-workers.ts';

export type Gateway = {
  server: HttpServer;
  /** The private /metrics listener, when METRICS_PORT is set. */
  metricsServer: HttpServer | null;
  watchers: Watcher[];
  workers: Workers;
  stop(): Promise<void>;
};

/**
 * API + one watcher per chain + workers in one process (`stablegate dev`). Stops in the STYLE
 * order: HTTP (in-flight requests finish), watchers (cursor saved), workers, then Redis and the
 * database are closed by their owners.
 */
export async function startGateway(ctx: AppContext, options: { redisUrl: string }): Promise<Gateway> {
  const workers = await startWorkers(ctx, { redisUrl: options.redisUrl });
  const watchers = ctx.config.chains.map((chain) =>
    createChainWatcher(ctx, chain, { onTransfers: () => workers.settlementRelay.wake() }),
  );
  const readiness = createReadiness(ctx, { redisUrl: options.redisUrl });
  let server: HttpServer | undefined;
  let metricsServer: HttpServer | null = null;
  try {
    server = await startHttpServer(createApi(ctx, { readiness }), {
      port: ctx.config.port,
      host: ctx.config.host,
    });
    if (ctx.config.metrics) metricsServer = await startMetricsServer(ctx.metrics, ctx.config.metrics);
  } catch (error) {
    // A port is taken, say: nothing started may keep running behind the caller's error.
    await server?.close();
    await workers.close();
    await readiness.close();
    throw error;
  }
  const api = server;
  for (const watcher of watchers) watcher.start();
  return {
    server: api,
    metricsServer,
    watchers,
    workers,
    async stop() {
      await Promise.all([api.close(), metricsServer?.close()]);
      await Promise.all(watchers.map((watcher) => watcher.stop()));
      await workers.close();
      await readiness.close();
    },
  };
}
