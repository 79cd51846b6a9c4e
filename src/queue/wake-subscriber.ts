import type { Logger } from '../observability/logger.ts';
import { closeConnection, createSubscriberConnection } from './connections.ts';
import { type WakeKind, wakeChannel } from './wake-channels.ts';

export type WakeSubscriber = {
  /** Unsubscribes and closes the connection (bounded in time, even with Redis down). */
  close(): Promise<void>;
};

/** How long UNSUBSCRIBE may take at shutdown before the connection is closed anyway. */
const UNSUBSCRIBE_TIMEOUT_MS = 1_000;

/**
 * Listens for relay wake-ups (queue/wake-channels.ts) that other processes publish after their
 * commits, and calls the handler of each kind: the relays of this process tick at once. Nothing
 * depends on a wake-up arriving, so a SUBSCRIBE that fails (Redis down at start retries by itself;
 * a Redis or proxy without pub/sub refuses it) is logged once and the relays keep polling.
 */
export function createWakeSubscriber(deps: {
  redisUrl: string;
  /** The BullMQ prefix of this process's relays (`stablegate` unless a test or benchmark sets one). */
  prefix?: string;
  logger: Logger;
  handlers: Partial<Record<WakeKind, () => void>>;
}): WakeSubscriber {
  const prefix = deps.prefix ?? 'stablegate';
  const log = deps.logger.child({ component: 'wake-subscriber' });
  const byChannel = new Map<string, () => void>();
  for (const [kind, handler] of Object.entries(deps.handlers) as [WakeKind, (() => void) | undefined][])
    if (handler) byChannel.set(wakeChannel(prefix, kind), handler);
  const channels = [...byChannel.keys()];
  const redis = createSubscriberConnection(deps.redisUrl);
  let closing = false;
  redis.on('message', (channel: string) => byChannel.get(channel)?.());
  redis.subscribe(...channels).then(
    () => log.info({ channels }, 'listening for relay wake-ups'),
    (error: unknown) => {
      // Closing while Redis is down rejects the SUBSCRIBE still waiting: no failure to report.
      if (closing) return;
      log.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'cannot subscribe to relay wake-ups; the relays poll SQLite instead',
      );
    },
  );

  return {
    async close() {
      closing = true;
      redis.removeAllListeners('message');
      if (redis.status === 'ready') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          redis.unsubscribe(...channels).catch(() => undefined),
          new Promise((resolve) => {
            timer = setTimeout(resolve, UNSUBSCRIBE_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      await closeConnection(redis);
    },
  };
}
