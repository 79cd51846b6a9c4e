/**
 * The system under test as its own process: the chain watcher and/or the workers (settlement
 * relay and worker, delivery relay, notifier), wired by the product's startGateway (as `stablegate
 * dev` runs it, without the HTTP listener), against the bench's anvil, redis-server and SQLite
 * file. Configured by BENCH_PIPELINE (JSON).
 */
import type { Watcher } from '../../src/chain/watcher.ts';
import { ChainConfigSchema } from '../../src/config/chains.ts';
import { loadConfig } from '../../src/config/env.ts';
import { createContext } from '../../src/runtime/create-context.ts';
import { startGateway } from '../../src/runtime/start-gateway.ts';
import { sendToParent, whenStopRequested } from './spawn-child.ts';

export type PipelineOptions = {
  databasePath: string;
  redisUrl: string;
  prefix: string;
  chain: unknown;
  watcher: boolean;
  workers: boolean;
  settleConcurrency?: number;
  /**
   * Drive the watcher's `step()` from here instead of `start()` (the same loop without its
   * pauses while behind) and report each step's duration and outcome to the parent: how a
   * backfill spends its time, seen from outside the product's code.
   */
  stepLog?: boolean;
};

const options = JSON.parse(process.env.BENCH_PIPELINE ?? '{}') as PipelineOptions;
const chain = ChainConfigSchema.parse(options.chain);
const loaded = loadConfig(
  {
    DATABASE_PATH: options.databasePath,
    REDIS_URL: options.redisUrl,
    PORT: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
  },
  { chains: [chain] },
);
if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
const ctx = await createContext(loaded.config, { name: 'bench-pipeline' });

const pipeline = await startGateway(ctx, {
  redisUrl: options.redisUrl,
  prefix: options.prefix,
  http: false,
  workers: options.workers,
  watchers: options.watcher && options.stepLog ? 'stepped' : options.watcher,
  ...(options.settleConcurrency ? { settleConcurrency: options.settleConcurrency } : {}),
});
let stepping = true;
const [stepped] = options.stepLog ? pipeline.watchers : [];
const stepLoop = stepped ? logSteps(stepped) : null;
sendToParent({ type: 'ready' });

async function logSteps(w: Watcher): Promise<void> {
  while (stepping) {
    const started = performance.now();
    try {
      const outcome = await w.step();
      sendToParent({ type: 'step', ms: performance.now() - started, ...outcome });
      if (outcome.kind === 'synced')
        await new Promise((resolve) => setTimeout(resolve, chain.pollIntervalMs));
    } catch (error) {
      sendToParent({ type: 'step', ms: performance.now() - started, kind: 'error', error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

await whenStopRequested();
stepping = false;
await stepLoop;
await pipeline.stop({ database: [() => ctx.store.close()] });
sendToParent({ type: 'stopped' });
process.exit(0);
