import { createWakePublisher } from '../../queue/wake-publisher.ts';
import { createApi } from '../../runtime/create-api.ts';
import { createContext } from '../../runtime/create-context.ts';
import { createReadiness } from '../../runtime/readiness.ts';
import { shutdown } from '../../runtime/shutdown.ts';
import { startHttpServer } from '../../runtime/start-http-server.ts';
import { startMetricsServer } from '../../runtime/start-metrics-server.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

export const SERVE_USAGE = `Usage: stablegate serve

The HTTP API and checkout pages, for production. No flags: configured by the environment
(DATABASE_PATH, REDIS_URL, PORT, PUBLIC_URL, STABLEGATE_CONFIG, …; see README.md).`;

/** The HTTP API alone, for production: `stablegate serve`. */
export async function serveCommand(args: string[]): Promise<number> {
  parseCommandArgs(SERVE_USAGE, args, {});
  const config = loadConfigOrExit();
  const ctx = await createContext(config, { name: 'stablegate-api' });
  const readiness = createReadiness(ctx, { redisUrl: config.redisUrl });
  // Events the API commits (invoice.created, …) wake the delivery relay of `stablegate work`.
  const wakes = config.redisUrl
    ? createWakePublisher({ redisUrl: config.redisUrl, logger: ctx.logger, metrics: ctx.metrics })
    : null;
  const onEvents = wakes ? { onEvents: () => wakes.publish('deliver') } : {};
  const server = await startHttpServer(createApi(ctx, { readiness, ...onEvents }), {
    port: config.port,
    host: config.host,
  });
  const metricsServer = config.metrics ? await startMetricsServer(ctx.metrics, config.metrics) : null;
  ctx.logger.info(
    { host: config.host, port: server.port, publicUrl: config.publicUrl, metricsPort: metricsServer?.port },
    'API listening',
  );
  await onShutdownSignal(ctx.logger);
  await shutdown({
    http: [() => server.close(), () => metricsServer?.close()],
    redis: [() => readiness.close(), () => wakes?.close()],
    database: [() => ctx.store.close()],
  });
  ctx.logger.info('API stopped');
  return 0;
}
