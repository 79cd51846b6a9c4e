import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The lock lives this long without a renewal: a dead holder is replaced within it. */
export const LEADER_LOCK_TTL_MS = 10_000;
const RENEW_EVERY_MS = LEADER_LOCK_TTL_MS / 3;

// Renews or releases only our own token (compare-and-set in one Lua call, as Redis documents for SET NX PX locks).
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One active watcher per chain: `SET key token NX PX ttl`, renewed while held. A standby retries
 * and takes over within the TTL once the active process dies. On losing the lock (Redis unreachable
 * long enough, or a pause longer than the TTL) `onLost` runs so the holder stops scanning at once.
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

  async function tick(): Promise<void> {
    try {
      if (held) {
        const renewed = await args.redis.eval(RENEW_SCRIPT, 1, args.key, token, String(LEADER_LOCK_TTL_MS));
        if (renewed !== 1) {
          held = false;
          args.onLost();
        }
      } else {
        const acquired = await args.redis.set(args.key, token, 'PX', LEADER_LOCK_TTL_MS, 'NX');
        if (acquired === 'OK') {
          held = true;
          args.onAcquired();
        }
      }
    } catch {
      // Redis unreachable: keep going until the TTL would have expired, then give up the role.
      if (held && Date.now() - lastRenewal > LEADER_LOCK_TTL_MS * 0.8) {
        held = false;
        args.onLost();
      }
    }
    if (held) lastRenewal = Date.now();
    if (!stopped) timer = setTimeout(() => void tick(), held ? RENEW_EVERY_MS : RENEW_EVERY_MS / 2);
  }
  let lastRenewal = 0;

  return {
    start(): void {
      void tick();
    },
    get held(): boolean {
      return held;
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (held) await args.redis.eval(RELEASE_SCRIPT, 1, args.key, token).catch(() => undefined);
      held = false;
    },
  };
}
