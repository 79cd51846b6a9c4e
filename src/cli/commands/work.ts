import { createContext } from '../../runtime/create-context.ts';
import { shutdown } from '../../runtime/shutdown.ts';
import { startMetricsServer } from '../../runtime/start-metrics-server.ts';
import { startWorkers } from '../../runtime/start-workers.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { parseCommandArgs } from '../parse-command-args.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

export const WORK_USAGE = `Usage: stablegate work

Relays, settlement and the webhook notifier; run as many as you like. No flags: configured by
the environment (DATABASE_PATH, REDIS_URL required, STABLEGATE_CONFIG, …; see README.md).`;

/** `stablegate work`: relays, settlement and the webhook notifier. Several may run at once. */
export async function workCommand(args: string[]): Promise<number> {
  parseCommandArgs(WORK_USAGE, args, {});
  const config = loadConfigOrExit();
  if (!config.redisUrl) throw new CliError('REDIS_URL: required by the queues');
  const ctx = await createContext(config, { name: 'stablegate-worker' });
  // The watchers and the API run in other processes: their commits wake these relays through Redis.
  const workers = await startWorkers(ctx, { redisUrl: config.redisUrl, wakeUps: true });
  const metricsServer = config.metrics ? await startMetricsServer(ctx.metrics, config.metrics) : null;
  ctx.logger.info({ metricsPort: metricsServer?.port }, 'workers started');
  await onShutdownSignal(ctx.logger);
  await shutdown({
    http: [() => metricsServer?.close()],
    workers: [() => workers.close()],
    database: [() => ctx.store.close()],
  });
  ctx.logger.info('workers stopped');
  return 0;
}
