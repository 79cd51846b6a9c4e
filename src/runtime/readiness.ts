import type { ReadinessCheck } from '../api/routes/health.ts';
import type { Config } from '../config/env.ts';
import type { Cursor } from '../domain/chain.ts';
import type { Clock } from '../domain/clock.ts';
import { createProducerConnection } from '../queue/connections.ts';
import { getCursor } from '../store/chain-state.ts';
import type { Store } from '../store/store.ts';

export type ReadinessDeps = { store: Store; clock: Clock; config: Pick<Config, 'chains'> };

/** A chain is ready while the watcher's cursor is this close to the head it last saw… */
export const MAX_HEAD_LAG_BLOCKS = 20;
/** …and it has been level with the head recently. */
export const MAX_SYNC_AGE_MS = 60_000;

/**
 * `/readyz`: the database answers, Redis answers PING, and each chain's watcher is within its
 * lag bounds with no unacknowledged deep reorg. Each failing check names its reason.
 */
export function createReadiness(
  deps: ReadinessDeps,
  options: { redisUrl?: string | undefined },
): ReadinessCheck & { close(): Promise<void> } {
  const redis = options.redisUrl ? createProducerConnection(options.redisUrl) : null;
  redis?.on('error', () => undefined);
  const check: ReadinessCheck = async () => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await deps.store.ping();
      checks.database = { ok: true };
    } catch (error) {
      checks.database = { ok: false, detail: (error as Error).message };
    }
    if (redis) {
      try {
        await Promise.race([
          redis.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000)),
        ]);
        checks.redis = { ok: true };
      } catch (error) {
        checks.redis = { ok: false, detail: `redis unreachable: ${(error as Error).message}` };
      }
    }
    const now = deps.clock.now().getTime();
    for (const chain of deps.config.chains) {
      checks[`chain:${chain.chainId}`] = await chainCheck(deps, chain.chainId, now);
    }
    return { ok: Object.values(checks).every((result) => result.ok), checks };
  };
  return Object.assign(check, {
    async close() {
      await redis?.quit().catch(() => undefined);
    },
  });
}

/**
 * One chain's watcher: started, no unacknowledged deep reorg, within its lag bounds, and its node's
 * head still advancing (the stale-head limit the watcher saved: 10 block times, or the chain's
 * `staleAfterMs`; none for a chain without a block clock). A cursor that cannot be read (the
 * database busy or failing) is a failed check, so `/readyz` still answers its own JSON with the
 * reason rather than an error.
 */
async function chainCheck(
  deps: ReadinessDeps,
  chainId: number,
  now: number,
): Promise<{ ok: boolean; detail: string }> {
  let cursor: Cursor | null;
  try {
    cursor = await deps.store.read(getCursor, chainId);
  } catch (error) {
    return { ok: false, detail: `cannot read the watcher's cursor: ${(error as Error).message}` };
  }
  if (!cursor) return { ok: false, detail: 'the watcher has not started on this chain' };
  if (cursor.deepReorgAt) return { ok: false, detail: `deep reorg alert: ${cursor.deepReorgDetail ?? ''}` };
  const { headAdvancedAt, staleAfterMs } = cursor;
  if (headAdvancedAt && staleAfterMs !== null && now - headAdvancedAt.getTime() > staleAfterMs) {
    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    return {
      ok: false,
      detail: `stale head: block ${cursor.headNumber} has not advanced for ${seconds(now - headAdvancedAt.getTime())} (limit ${seconds(staleAfterMs)})`,
    };
  }
  const lag = cursor.headNumber - cursor.number;
  if (lag > MAX_HEAD_LAG_BLOCKS) return { ok: false, detail: `head lag ${lag} blocks` };
  if (!cursor.syncedAt || now - cursor.syncedAt.getTime() > MAX_SYNC_AGE_MS)
    return { ok: false, detail: 'the watcher has not reached the head in the last minute' };
  return { ok: true, detail: `head lag ${lag} blocks` };
}
