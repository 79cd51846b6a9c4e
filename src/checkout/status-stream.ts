import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from '../observability/logger.ts';
import type { CheckoutStatus } from './checkout-status.ts';

/** How often each open stream asks the store whether its invoice changed: one indexed single-row read. */
export const STATUS_POLL_INTERVAL_MS = 500;
/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const HEARTBEAT_INTERVAL_MS = 15_000;
/** EventSource reconnect delay the server asks for (the `retry:` field of the SSE spec). */
export const RECONNECT_DELAY_MS = 3000;

export type StatusStreamSource = {
  /** Cheap: changes whenever anything in the status may have changed; null when the invoice is gone. */
  readVersion(): Promise<string | null>;
  /** The full status, read only after the version changed. */
  readStatus(): Promise<CheckoutStatus | null>;
};

/**
 * The statuses that end a stream. `paid` and `canceled` are terminal (domain/invoice-state.ts);
 * `expired` can still turn paid late, but rarely and not soon, so it ends the stream too rather
 * than hold a slot and poll the database for days: the page then polls the status JSON (checkout.js).
 */
export function isFinalStatus(status: CheckoutStatus): boolean {
  return status.status === 'paid' || status.status === 'canceled' || status.status === 'expired';
}

/** The status as compared between polls: the server time alone is not a change worth sending. */
const comparable = (status: CheckoutStatus) => JSON.stringify({ ...status, serverTime: '' });

/**
 * Server-Sent Events (WHATWG HTML §9.2): a `status` event with the status JSON on connect and
 * after every change, a comment as heartbeat, and the end of the stream once the invoice is final
 * or the client has gone. Each connection polls on its own timer; nothing is shared between
 * requests, so a slow reader never holds up another.
 */
export function streamCheckoutStatus(
  c: Context,
  source: StatusStreamSource,
  options: {
    logger: Logger;
    pollIntervalMs?: number;
    heartbeatIntervalMs?: number;
    /** Called once the stream has ended, however it ended: for open-stream gauges and tests. */
    onClose?: () => void;
  },
): Response {
  const pollMs = options.pollIntervalMs ?? STATUS_POLL_INTERVAL_MS;
  const heartbeatMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
  // Tells nginx-style proxies not to buffer the stream, which would delay every event.
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    let lastVersion: string | null = null;
    let lastSent: string | null = null;
    let lastWriteAt = performance.now();
    try {
      while (!stream.aborted && !stream.closed) {
        const version = await source.readVersion();
        if (version === null) return;
        if (version !== lastVersion) {
          lastVersion = version;
          const status = await source.readStatus();
          if (!status) return;
          const current = comparable(status);
          if (current !== lastSent) {
            await stream.writeSSE({
              event: 'status',
              data: JSON.stringify(status),
              ...(lastSent === null ? { retry: RECONNECT_DELAY_MS } : {}),
            });
            lastSent = current;
            lastWriteAt = performance.now();
          }
          if (isFinalStatus(status)) return;
        } else if (performance.now() - lastWriteAt >= heartbeatMs) {
          await stream.write(': heartbeat\n\n');
          lastWriteAt = performance.now();
        }
        await stream.sleep(pollMs);
      }
    } catch (error) {
      options.logger.warn({ err: error, route: c.req.routePath }, 'checkout status stream failed');
    } finally {
      options.onClose?.();
    }
  });
}
