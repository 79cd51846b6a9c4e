import type { Agent } from 'node:http';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Idle pooled sockets are closed after this long: under Node's default server keep-alive timeout
 * (5 s) and most proxies', so we drop a connection before the receiver does, not while sending.
 */
const IDLE_SOCKET_MS = 4_000;
/** At most this many connections to one endpoint; more attempts wait for a free one. */
const MAX_SOCKETS_PER_ENDPOINT = 64;
/** Pools kept at once; the least recently used one is closed beyond this. */
const MAX_POOLS = 1_000;

export type WebhookAgents = {
  /** The keep-alive pool of one endpoint (per scheme and private-address policy). */
  get(endpointId: string, protocol: 'http:' | 'https:', allowPrivate: boolean): Agent;
  close(): void;
};

/**
 * Keep-alive connection pools, one per webhook endpoint: a connection is not opened and torn down
 * for every event, and endpoints never share one, so a slow receiver only queues its own attempts.
 * The filtering agents check the address of every new connection after DNS (SSRF and rebinding
 * included); a pooled connection is one that passed that check when it was opened.
 */
export function createWebhookAgents(): WebhookAgents {
  const pools = new Map<string, Agent>();
  return {
    get(endpointId, protocol, allowPrivate) {
      const key = `${endpointId} ${protocol} ${allowPrivate}`;
      let agent = pools.get(key);
      if (agent) {
        pools.delete(key); // re-inserted below: Map order is the recency order
      } else {
        const options = {
          allowPrivateIPAddress: allowPrivate,
          keepAlive: true,
          timeout: IDLE_SOCKET_MS,
          maxSockets: MAX_SOCKETS_PER_ENDPOINT,
          scheduling: 'lifo' as const,
        };
        agent =
          protocol === 'https:'
            ? new RequestFilteringHttpsAgent(options)
            : new RequestFilteringHttpAgent(options);
        const oldest = pools.size >= MAX_POOLS ? pools.keys().next().value : undefined;
        if (oldest !== undefined) {
          pools.get(oldest)?.destroy();
          pools.delete(oldest);
        }
      }
      pools.set(key, agent);
      return agent;
    },
    close() {
      for (const agent of pools.values()) agent.destroy();
      pools.clear();
    },
  };
}
