import type { Logger } from '../observability/logger.ts';
import { providerHost } from '../rpc/provider-host.ts';
import { closeWsClient, createWsClient, type WsClient } from './client.ts';

/**
 * Pause before subscribing again after a subscription failed: 1 s, doubling with each failure in a
 * row up to 30 s, so endpoints that are all down are not hammered (polling goes on meanwhile).
 */
const RESUBSCRIBE_DELAY_MS = 1_000;
const RESUBSCRIBE_DELAY_CAP_MS = 30_000;

/**
 * Subscribes to newHeads over WebSocket, on the chain's first wsUrl; when the subscription fails
 * (the socket closed or errored), on the next one after a pause, round the list. A notification
 * only wakes the loop, which still reads everything over HTTP: a missed or duplicated notification
 * costs a poll interval at most, so this stays simple. Without a WebSocket the loop polls
 * (watcher.ts). Returns the stop, which also closes the socket viem would leave open (with its
 * keep-alive timer).
 */
export function watchHeads(
  urls: readonly string[],
  args: { onHead: () => void; log: Logger },
): () => Promise<void> {
  let index = 0;
  let failures = 0;
  let stopped = false;
  let current: { client: WsClient; unwatch: () => void } | null = null;
  let timer: NodeJS.Timeout | null = null;

  const close = async () => {
    const closing = current;
    current = null;
    closing?.unwatch();
    if (closing) await closeWsClient(closing.client);
  };

  function subscribe(): void {
    timer = null;
    if (stopped) return;
    const url = urls[index] as string;
    const client = createWsClient(url);
    const subscription: { client: WsClient; unwatch: () => void } = { client, unwatch: () => undefined };
    current = subscription;
    subscription.unwatch = client.watchBlockNumber({
      emitMissed: false,
      onBlockNumber: () => {
        failures = 0;
        args.onHead();
      },
      onError: (error) => {
        // One failure moves on once, however many errors the dying socket reports.
        if (stopped || current !== subscription) return;
        const next = (index + 1) % urls.length;
        failures++;
        const delayMs = Math.min(RESUBSCRIBE_DELAY_CAP_MS, RESUBSCRIBE_DELAY_MS * 2 ** (failures - 1));
        const fields = {
          err: error,
          provider: index,
          host: providerHost(url),
          next: providerHost(urls[next] as string),
          delayMs,
        };
        if (failures === 1)
          args.log.warn(fields, 'newHeads subscription failed; subscribing on the next wsUrl');
        else args.log.debug(fields, 'newHeads subscription failed again; subscribing on the next wsUrl');
        index = next;
        void close();
        timer = setTimeout(subscribe, delayMs);
      },
    });
  }

  subscribe();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await close();
  };
}
