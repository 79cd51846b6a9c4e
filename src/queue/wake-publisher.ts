import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { closeConnection, createPublisherConnection } from './connections.ts';
import { type WakeKind, wakeChannel } from './wake-channels.ts';

export type WakePublisher = {
  /**
   * Asks the relay of `kind` in other processes to tick now. Call it after the commit that left
   * it work; it returns at once and never throws, whatever Redis does.
   */
  publish(kind: WakeKind): void;
  /** Stops publishing and closes the connection (bounded in time, even with Redis down). */
  close(): Promise<void>;
};

/**
 * Publishes relay wake-ups (queue/wake-channels.ts) on a connection of its own. The commit path
 * never waits for it: a publish is fire-and-forget, and one that fails is counted
 * (`stablegate_wake_publish_failures_total`) and logged once, with one line when publishing works
 * again; meanwhile the relays poll SQLite as they would without wake-ups.
 */
export function createWakePublisher(deps: {
  redisUrl: string;
  /** The BullMQ prefix of the relays to wake (`stablegate` unless a test or benchmark sets one). */
  prefix?: string;
  logger: Logger;
  metrics: Pick<Metrics, 'wakePublishFailures'>;
}): WakePublisher {
  const prefix = deps.prefix ?? 'stablegate';
  const log = deps.logger.child({ component: 'wake-publisher' });
  const redis = createPublisherConnection(deps.redisUrl);
  // Invariant: at most one PUBLISH per kind is outstanding, so a slow Redis never piles commands
  // up; a wake-up asked for meanwhile is sent once it settles, so every commit is followed by a
  // PUBLISH sent after it (one sent before a commit may reach the relay before the commit does).
  const inFlight = new Set<WakeKind>();
  const again = new Set<WakeKind>();
  let failing = false;
  let closed = false;

  const send = (kind: WakeKind) => {
    inFlight.add(kind);
    // Through a promise: a command refused synchronously is a failure like any other, never a throw.
    Promise.resolve()
      .then(() => redis.publish(wakeChannel(prefix, kind), '1'))
      .then(
        () => {
          if (failing) log.info('relay wake-ups are published again');
          failing = false;
        },
        (error: unknown) => {
          deps.metrics.wakePublishFailures.inc({ kind });
          if (!failing)
            log.warn(
              { error: error instanceof Error ? error.message : String(error) },
              'cannot publish relay wake-ups; relays in other processes poll SQLite instead',
            );
          failing = true;
        },
      )
      .finally(() => {
        inFlight.delete(kind);
        if (again.delete(kind) && !closed) send(kind);
      });
  };

  return {
    publish(kind) {
      if (closed) return;
      if (inFlight.has(kind)) again.add(kind);
      else send(kind);
    },
    async close() {
      closed = true;
      again.clear();
      await closeConnection(redis);
    },
  };
}
