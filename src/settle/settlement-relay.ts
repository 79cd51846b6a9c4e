import type { Queue } from 'bullmq';
import { KEEP_COMPLETED, type SettleJob, settleJobId, type TransferChange } from '../queue/jobs.ts';
import type { AppContext } from '../runtime/context.ts';
import { listUnsettledTransfers } from '../store/settlement.ts';

export const SETTLE_RELAY_INTERVAL_MS = 200;
const BATCH_SIZE = 1000;
/** Changes per settle job: enough to spread queue overhead, few enough that jobs run in parallel. */
export const SETTLE_JOB_SIZE = 50;
const WARN_EVERY_MS = 30_000;
const REOFFER_AFTER_MS = 30_000;

/**
 * Moves recorded-but-unsettled transfer changes from SQLite into the settle queue (outbox relay).
 * Changes go in batches of up to SETTLE_JOB_SIZE per job. Each change is offered again every
 * REOFFER_AFTER_MS until it is settled, so a job Redis lost is added anew; a re-offered batch
 * whose job is still in Redis is a no-op (its id names its changes), and a change offered twice in
 * different batches is settled once (settlement is idempotent per version). Settled rows leave the
 * query, so the set stays small. While Redis is down it keeps retrying.
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
    const live = new Set(all.map(changeKey));
    for (const key of offeredAt.keys()) if (!live.has(key)) offeredAt.delete(key);
    const pending = all.filter((row) => {
      const at = offeredAt.get(changeKey(row));
      return at === undefined || now - at > REOFFER_AFTER_MS;
    });
    if (pending.length === 0) return { enqueued: 0, redisOk: true, more: false };
    const batches: TransferChange[][] = [];
    for (let i = 0; i < pending.length; i += SETTLE_JOB_SIZE) {
      batches.push(
        pending.slice(i, i + SETTLE_JOB_SIZE).map((row) => ({ transferId: row.id, version: row.version })),
      );
    }
    try {
      await queue.addBulk(
        batches.map((changes) => {
          const data: SettleJob = { changes };
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
      for (const row of pending) offeredAt.set(changeKey(row), now);
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

const changeKey = (row: { id: number; version: number }) => `${row.id}v${row.version}`;
