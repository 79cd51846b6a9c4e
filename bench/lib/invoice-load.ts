import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { type Summary, summarize } from './stats.ts';

type CannonResult = { errors: number; timeouts: number };

export type CreationLoad = {
  /** 2xx answers: invoices created. */
  created: number;
  perSecond: number;
  seconds: number;
  /** Every answer's time, merged across the servers. */
  latencyMs: Summary;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
};

const BODY = JSON.stringify({
  amount: '25.5',
  currency: 'USDC',
  chainId: 31337,
  orderId: 'bench',
  metadata: { source: 'bench' },
});

/**
 * `POST /v1/invoices` (a unique Idempotency-Key each, as api.ts sends) against every server in
 * `baseUrls` at once, for `durationSeconds`: `connections` in all, split evenly, one autocannon
 * instance per server in this process. Latencies come from each response, so their percentiles
 * are those of all requests, not a mean of per-server percentiles.
 */
export async function createInvoicesUnderLoad(args: {
  baseUrls: readonly string[];
  apiKey: string;
  connections: number;
  durationSeconds: number;
}): Promise<CreationLoad> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const headers = { authorization: `Bearer ${args.apiKey}`, 'content-type': 'application/json' };
  const started = performance.now();
  const results = (await Promise.all(
    args.baseUrls.map((baseUrl, i) =>
      autocannon({
        url: `${baseUrl}/v1/invoices`,
        // The remainder goes to the first servers: 50 over 2 is 25 + 25.
        connections:
          Math.floor(args.connections / args.baseUrls.length) +
          (i < args.connections % args.baseUrls.length ? 1 : 0),
        duration: args.durationSeconds,
        requests: [
          {
            method: 'POST',
            headers,
            body: BODY,
            setupRequest: (request: { headers: Record<string, string> }) => ({
              ...request,
              headers: { ...request.headers, 'idempotency-key': randomUUID() },
            }),
          },
        ],
      }).on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        latencies.push(responseTimeMs);
        statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      }),
    ),
  )) as CannonResult[];
  const seconds = (performance.now() - started) / 1000;
  const created = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    created,
    perSecond: created / seconds,
    seconds,
    latencyMs: summarize(latencies),
    non2xx: latencies.length - created,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    timeouts: results.reduce((sum, result) => sum + result.timeouts, 0),
    statusCodes,
  };
}
