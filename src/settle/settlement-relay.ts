import type { Queue } from 'bullmq';
import { KEEP_COMPLETED, type SettleJob, settleJobId } from '../queue/jobs.ts';
import type { AppContext } from '../runtime/context.ts';
import { listUnsettledTransfers } from '../store/settlement.ts';

export const SETTLE_RELAY_INTERVAL_MS = 200;
const BATCH_SIZE = 1000;
const WARN_EVERY_MS = 30_000;
const REOFFER_AFTER_MS = 30_000;

/**
 * Moves recorded-but-unsettled transfer changes from SQLite into the settle queue (outbox relay).
 * Every tick offers every unsettled change again: job ids name (transfer, version), so a job that
 * is still in Redis makes the re-add a no-op, and one Redis lost is simply added anew. Settled
 * rows leave the query, so the set stays small. While Redis is down it keeps retrying.
 */
export function createSettlementRelay(args: {
  ctx: AppContext;
  queue: Queue<SettleJob>;
  intervalMs?: number;
}) {
  const { ctx, queue } = args;
  const logger = ctx.logger.child({ component: 'settlement-relay' });
  const intervalMs = args.intervalMs ?? SETTLE_RELAY_INTERVAL_MS;
  let lastWarnAt = 0;
  const offeredAt = new Map<string, number>();
  let redisDown = false;

  async function runOnce(): Promise<{ enqueued: number; redisOk: boolean; more: boolean }> {
    const now = Date.now();
    const all = listUnsettledTransfers(ctx.db, BATCH_SIZE);
    // Offer each (transfer, version) once per REOFFER_AFTER_MS: the job id dedupes re-adds anyway,
    // but re-adding a thousand waiting jobs every tick while a backlog drains is wasted work.
    // The periodic re-offer is what recovers jobs an emptied Redis lost.
    const live = new Set(all.map((row) => settleJobId({ transferId: row.id, version: row.version })));
    for (const id of offeredAt.keys()) if (!live.has(id)) offeredAt.delete(id);
    const pending = all.filter((row) => {
      const at = offeredAt.get(settleJobId({ transferId: row.id, version: row.version }));
      return at === undefined || now - at > REOFFER_AFTER_MS;
    });
    if (pending.length === 0) return { enqueued: 0, redisOk: true, more: false };
    try {
      await queue.addBulk(
        pending.map((row) => {
          const data = { transferId: row.id, version: row.version };
          return {
            name: 'settle',
            data,
            opts: {
              jobId: settleJobId(data),
              removeOnComplete: KEEP_COMPLETED,
              // A job that failed for good (stalled twice: its worker died on it twice; or out of
              // attempts) is dropped, not kept: a kept failed job would turn every re-offer under
              // this id into a no-op, and the payment would never be settled. The worker logs it.
              removeOnFail: true,
              attempts: 10,
              backoff: { type: 'exponential', delay: 200 },
            },
          };
        }),
      );
      for (const row of pending)
        offeredAt.set(settleJobId({ transferId: row.id, version: row.version }), now);
      if (redisDown) logger.info('Redis is back; settlement jobs flow again');
      redisDown = false;
      return {
        enqueued: pending.length,
        redisOk: true,
        more: all.length === BATCH_SIZE && pending.length > 0,
      };
    } catch (error) {
      redisDown = true;
      const now = Date.now();
      if (now - lastWarnAt > WARN_EVERY_MS) {
        lastWarnAt = now;
        logger.warn({ err: error, pending: pending.length }, 'cannot reach Redis; transfers wait in SQLite');
      }
      return { enqueued: 0, redisOk: false, more: false };
    }
  }

  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;

  async function run(): Promise<void> {
    while (running) {
      const tick = await runOnce();
      if (tick.more) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, tick.redisOk ? intervalMs : intervalMs * 5);
        function done() {
          clearTimeout(timer);
          wakeUp = null;
          resolve();
        }
        wakeUp = done;
      });
    }
  }

  return {
    runOnce,
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    wake(): void {
      wakeUp?.();
    },
    async stop(): Promise<void> {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}

export type SettlementRelay = ReturnType<typeof createSettlementRelay>;
