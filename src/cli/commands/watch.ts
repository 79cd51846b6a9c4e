import type { Watcher } from '../../chain/watcher.ts';
import { closeConnection, createWorkerConnection } from '../../queue/connections.ts';
import { createWakePublisher } from '../../queue/wake-publisher.ts';
import { createChainWatcher } from '../../runtime/create-chain-watcher.ts';
import { createContext } from '../../runtime/create-context.ts';
import { createLeaderLock } from '../../runtime/leader-lock.ts';
import { shutdown } from '../../runtime/shutdown.ts';
import { startMetricsServer } from '../../runtime/start-metrics-server.ts';
import { CliError } from '../cli-error.ts';
import { loadConfigOrExit } from '../load-config.ts';
import { parseCommandArgs, parseIntegerFlag, UsageExit } from '../parse-command-args.ts';
import { onShutdownSignal } from '../shutdown-signal.ts';

export const WATCH_USAGE = `Usage: stablegate watch --chain <id>

The chain watcher for one chain of STABLEGATE_CONFIG; start two for a hot standby.

Options:
  --chain <id>   the chain id to watch (required), e.g. 1 or 8453
  -h, --help     this help`;

/**
 * `stablegate watch --chain <id>`: the watcher for one chain. With several processes for one chain,
 * a Redis lock lets one scan while the others stand by.
 */
export async function watchCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(WATCH_USAGE, args, { options: { chain: { type: 'string' } } });
  if (values.chain === undefined) throw new UsageExit(WATCH_USAGE, '--chain: required');
  const chainId = parseIntegerFlag(WATCH_USAGE, '--chain', values.chain, {
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    fallback: 0,
  });
  const config = loadConfigOrExit();
  const chain = config.chains.find((candidate) => candidate.chainId === chainId);
  if (!chain) {
    throw new CliError(
      `--chain: ${chainId} is not configured; configured: ${config.chains.map((c) => c.chainId).join(', ')}`,
    );
  }
  if (!config.redisUrl)
    throw new CliError('REDIS_URL: required, for the lock that keeps one active watcher per chain');
  const ctx = await createContext(config, { name: 'stablegate-watcher' });
  const redis = createWorkerConnection(config.redisUrl);
  // Without a listener ioredis prints each reconnect failure; what matters, losing the lock, is logged.
  redis.on('error', (error) => ctx.logger.debug({ err: error }, 'redis connection error'));
  // Each commit that recorded or changed transfers wakes the settlement relay of `stablegate work`.
  const wakes = createWakePublisher({ redisUrl: config.redisUrl, logger: ctx.logger, metrics: ctx.metrics });
  let watcher: Watcher | null = null;
  // A watcher that lost the lock finishes its step in the background; shutdown waits for it.
  let stoppingLost: Promise<void> | undefined;
  let shuttingDown = false;
  const lock = createLeaderLock({
    redis,
    key: `stablegate:watcher-lock:${chain.chainId}`,
    onAcquired: () => {
      if (shuttingDown) return;
      ctx.logger.info({ chainId }, 'watcher lock acquired: scanning');
      watcher = createChainWatcher(ctx, chain, { onTransfers: () => wakes.publish('settle') });
      watcher.start();
    },
    onLost: () => {
      ctx.logger.warn({ chainId }, 'watcher lock lost: standing by');
      const stopping = watcher;
      watcher = null;
      stoppingLost = stopping?.stop();
    },
  });
  lock.start();
  const metricsServer = config.metrics ? await startMetricsServer(ctx.metrics, config.metrics) : null;
  ctx.logger.info(
    { chainId, metricsPort: metricsServer?.port },
    'watcher started (standby until it holds the lock)',
  );
  await onShutdownSignal(ctx.logger);
  // No new watcher from here on; the running one stops (its cursor is saved with every commit)
  // while the lock is still ours, and only then is the lock released for a standby to take.
  shuttingDown = true;
  await shutdown({
    http: [() => metricsServer?.close()],
    watchers: [() => watcher?.stop(), () => stoppingLost],
    redis: [
      async () => {
        await lock.stop();
        await closeConnection(redis);
      },
      () => wakes.close(),
    ],
    database: [() => ctx.store.close()],
  });
  return 0;
}
