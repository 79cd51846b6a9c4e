/**
 * `stablegate work`, identical to src/cli/commands/work.ts but for its clock, which runs
 * CLOCK_OFFSET_MS ahead: the one seam tests may move (STYLE, Tests). It lets a test restart a worker
 * "after" a crashed attempt's lease has run out (15 s timeout + 30 s margin) without waiting for it.
 */
import { loadConfigOrExit } from '../../../src/cli/load-config.ts';
import { onShutdownSignal } from '../../../src/cli/shutdown-signal.ts';
import { createContext } from '../../../src/runtime/create-context.ts';
import { shutdown } from '../../../src/runtime/shutdown.ts';
import { startWorkers } from '../../../src/runtime/start-workers.ts';

const offsetMs = Number(process.env.CLOCK_OFFSET_MS ?? '0');
const config = loadConfigOrExit();
if (!config.redisUrl) throw new Error('REDIS_URL: required by the queues');
const ctx = await createContext(config, { name: 'stablegate-worker' });
ctx.clock = { now: () => new Date(Date.now() + offsetMs) };
const workers = await startWorkers(ctx, { redisUrl: config.redisUrl });
ctx.logger.info({ clockOffsetMs: offsetMs }, 'workers started');
await onShutdownSignal(ctx.logger);
await shutdown({ workers: [() => workers.close()], database: [() => ctx.store.close()] });
ctx.logger.info('workers stopped');
