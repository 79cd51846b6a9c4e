import type { Logger } from '../observability/logger.ts';
import { closeWsClient, type WsClient } from './client.ts';

/**
 * Subscribes to newHeads over WebSocket. A notification only wakes the loop, which still reads
 * everything over HTTP: a missed or duplicated notification costs a poll interval at most. Without
 * a WebSocket the loop polls (watcher.ts). Returns the stop, which also closes the socket viem
 * would leave open (with its keep-alive timer).
 */
export function watchHeads(heads: WsClient, args: { onHead: () => void; log: Logger }): () => Promise<void> {
  const unwatch = heads.watchBlockNumber({
    emitMissed: false,
    onBlockNumber: () => args.onHead(),
    onError: (error) => args.log.warn({ err: error }, 'newHeads subscription error'),
  });
  return async () => {
    unwatch();
    await closeWsClient(heads);
  };
}
