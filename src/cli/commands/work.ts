import { parseArgs } from 'node:util';
import { createContext } from '../../runtime/create-context.ts';
import { startMetricsServer } from '../../runtime/start-metrics-server.ts';
import { startWorkers } from '../../runtime/start-workers.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

/** `stablegate work`: relays, settlement and the webhook notifier. Several may run at once. */
export async function workCommand(args: string[]): Promise<number> {
  parseArgs({ args, options: {} });
  const config = loadConfigOrExit();
  if (!config.redisUrl) throw new CliError('REDIS_URL: required by the queues');
  const ctx = createContext(config, { name: 'stablegate-worker' });
  const workers = await startWorkers(ctx, { redisUrl: config.redisUrl });
  const metricsServer = config.metrics ? await startMetricsServer(ctx.metrics, config.metrics) : null;
  ctx.logger.info({ metricsPort: metricsServer?.port }, 'workers started');
  await onShutdownSignal(ctx.logger);
  await metricsServer?.close();
  await workers.close();
  ctx.db.close();
  ctx.logger.info('workers stopped');
  return 0;
}
