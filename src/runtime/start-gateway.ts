import type { ReadinessCheck } from '../api/routes/health.ts';
import { createWatcher, type Watcher } from '../chain/watcher.ts';
import type { AppContext } from './context.ts';
import { createApi } from './create-api.ts';
import { createReadiness } from './readiness.ts';
import { type HttpServer, startHttpServer } from './start-http-server.ts';
import { startWorkers, type Workers } from './start-workers.ts';

export type Gateway = { server: HttpServer; watchers: Watcher[]; workers: Workers; stop(): Promise<void> };

/**
 * API + one watcher per chain + workers in one process (`stablegate dev`). Stops in the STYLE
 * order: HTTP (in-flight requests finish), watchers (cursor saved), workers, then Redis and the
 * database are closed by their owners.
 */
export async function startGateway(
  ctx: AppContext,
  options: { redisUrl: string; readiness?: ReadinessCheck },
): Promise<Gateway> {
  const workers = await startWorkers(ctx, { redisUrl: options.redisUrl });
  const watchers = ctx.config.chains.map((chain) =>
    createWatcher({ ctx, chain, onTransfers: () => workers.settlementRelay.wake() }),
  );
  const readiness = options.readiness ?? createReadiness(ctx, { redisUrl: options.redisUrl });
  const server = await startHttpServer(createApi(ctx, { readiness }), { port: ctx.config.port });
  for (const watcher of watchers) watcher.start();
  return {
    server,
    watchers,
    workers,
    async stop() {
      await server.close();
      await Promise.all(watchers.map((watcher) => watcher.stop()));
      await workers.close();
    },
  };
}
