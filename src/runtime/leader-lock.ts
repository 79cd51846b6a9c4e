import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The lock lives this long without a renewal: a dead holder is replaced within it. */
export const LEADER_LOCK_TTL_MS = 10_000;
const RENEW_EVERY_MS = LEADER_LOCK_TTL_MS / 3;
/**
 * A Redis call that has not answered by then counts as failed. Worker connections queue commands
 * while Redis is unreachable and never time them out (`maxRetriesPerRequest: null`), so without
 * this bound a holder cut off from Redis would wait forever and never step down.
 */
const CALL_TIMEOUT_MS = 1_000;
/** After a failed renewal, try again this soon: the TTL is running out. */
const RETRY_HELD_MS = 500;
/**
 * A holder that has not renewed for this long steps down. A failed attempt takes at most
 * CALL_TIMEOUT_MS + RETRY_HELD_MS, so a holder cut off from Redis stops scanning before
 * LEADER_LOCK_TTL_MS has passed, when a standby may take the lock.
 */
const STEP_DOWN_AFTER_MS = LEADER_LOCK_TTL_MS - 2 * (CALL_TIMEOUT_MS + RETRY_HELD_MS);

// Renews or releases only our own token (compare-and-set in one Lua call, as Redis documents for SET NX PX locks).
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// Takes a free lock, or keeps our own: an earlier SET that timed out on our side may still have
// reached Redis, and the lock it took is ours to use rather than to wait out.
const ACQUIRE_SCRIPT = `local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One active watcher per chain: `SET key token NX PX ttl` (in ACQUIRE_SCRIPT), renewed while held.
 * A standby retries and takes over within the TTL once the active process dies. On losing the lock
 * (Redis unreachable or silent long enough, or a pause longer than the TTL) `onLost` runs so the
 * holder stops scanning, before the TTL lets a standby in.
 */
export function createLeaderLock(args: {
  redis: Redis;
  key: string;
  onAcquired: () => void;
  onLost: () => void;
}) {
  const token = randomUUID();
  let held = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  /** When the last successful renewal (or acquisition) was sent: the lock lives TTL from then, at least. */
  let lastRenewal = 0;
  let ticking: Promise<void> | null = null;

  async function attempt(): Promise<void> {
    const sentAt = Date.now();
    if (held) {
      const renewed = await withTimeout(
        args.redis.eval(RENEW_SCRIPT, 1, args.key, token, String(LEADER_LOCK_TTL_MS)),
        CALL_TIMEOUT_MS,
      );
      if (renewed === 1) {
        lastRenewal = sentAt;
        return;
      }
      held = false;
      args.onLost();
      return;
    }
    const acquired = await withTimeout(
      args.redis.eval(ACQUIRE_SCRIPT, 1, args.key, token, String(LEADER_LOCK_TTL_MS)),
      CALL_TIMEOUT_MS,
    );
    if (acquired !== 1) return;
    held = true;
    lastRenewal = sentAt;
    // Stopped while the call was in flight: hand the lock back in stop() instead of starting work.
    if (!stopped) args.onAcquired();
  }

  async function tick(): Promise<void> {
    let failed = false;
    try {
      await attempt();
    } catch {
      failed = true;
      // Redis unreachable or slow: keep the role only while the lock surely still lives.
      if (held && Date.now() - lastRenewal >= STEP_DOWN_AFTER_MS) {
        held = false;
        args.onLost();
      }
    }
    if (stopped) return;
    const delay = held ? (failed ? RETRY_HELD_MS : RENEW_EVERY_MS) : RENEW_EVERY_MS / 2;
    timer = setTimeout(run, delay);
  }

  function run(): void {
    ticking = tick().finally(() => {
      ticking = null;
    });
  }

  return {
    start(): void {
      run();
    },
    get held(): boolean {
      return held;
    },
    /** No acquisition after this starts; an attempt in flight finishes first, then the lock is released. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      if (held) {
        await withTimeout(args.redis.eval(RELEASE_SCRIPT, 1, args.key, token), CALL_TIMEOUT_MS).catch(
          () => undefined,
        );
      }
      held = false;
    },
  };
}
