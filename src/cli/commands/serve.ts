import { parseArgs } from 'node:util';
import { createApi } from '../../runtime/create-api.ts';
import { createContext } from '../../runtime/create-context.ts';
import { createReadiness } from '../../runtime/readiness.ts';
import { startHttpServer } from '../../runtime/start-http-server.ts';
import { startMetricsServer } from '../../runtime/start-metrics-server.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

/** The HTTP API alone, for production: `stablegate serve`. */
export async function serveCommand(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const config = loadConfigOrExit();
  const ctx = createContext(config, { name: 'stablegate-api' });
  const readiness = createReadiness(ctx, { redisUrl: config.redisUrl });
  const server = await startHttpServer(createApi(ctx, { readiness }), {
    port: config.port,
    host: config.host,
  });
  const metricsServer = config.metrics ? await startMetricsServer(ctx.metrics, config.metrics) : null;
  ctx.logger.info(
    { host: config.host, port: server.port, publicUrl: config.publicUrl, metricsPort: metricsServer?.port },
    'API listening',
  );
  await onShutdownSignal(ctx.logger);
  await Promise.all([server.close(), metricsServer?.close()]);
  await readiness.close();
  ctx.db.close();
  ctx.logger.info('API stopped');
  return 0;
}
