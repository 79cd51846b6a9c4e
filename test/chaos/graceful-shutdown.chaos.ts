import { type IncomingMessage, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { type RedisServer, startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { type CliProcess, startCli, stopGently } from '../reliability/support/cli-process.ts';
import { createDeployment, type Deployment } from '../reliability/support/deployment.ts';
import { type Outcome, startLoad } from './support/http-load.ts';

/** SPEC-level promise to operators (README "Running in production"): SIGTERM stops gracefully. */
const EXIT_WITHIN_MS = 25_000;
const CONNECTIONS = 50;
const SLOW_UPLOADS = 5;

let redis: RedisServer | undefined;
let deployment: Deployment | undefined;
let serve: CliProcess | undefined;

afterEach(async () => {
  if (serve) await stopGently(serve, 2_000);
  await redis?.stop();
  deployment?.close();
  serve = undefined;
  redis = undefined;
  deployment = undefined;
});

const invoiceBody = JSON.stringify({ amount: '12.5', currency: 'USDC', chainId: 31337, description: 'load' });

/**
 * A POST whose headers the server has parsed (it answered `100 Continue`, RFC 9110 §10.1.1) and
 * whose body is half sent: in flight from the server's point of view. `finish()` sends the rest.
 */
function startSlowUpload(base: string, apiKey: string) {
  const body = Buffer.from(invoiceBody);
  let resolveStatus: (status: number | string) => void = () => undefined;
  const status = new Promise<number | string>((resolve) => {
    resolveStatus = resolve;
  });
  let accepted = false;
  const req = request(`${base}/v1/invoices`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
      expect: '100-continue',
    },
  });
  req.on('continue', () => {
    req.write(body.subarray(0, 10), () => {
      accepted = true;
    });
  });
  req.on('response', (res: IncomingMessage) => {
    res.resume();
    res.on('end', () => resolveStatus(res.statusCode ?? 0));
  });
  req.on('error', (error: NodeJS.ErrnoException) => resolveStatus(error.code ?? error.message));
  req.flushHeaders();
  return {
    accepted: () => accepted,
    finish(): Promise<number | string> {
      req.end(body.subarray(10));
      return status;
    },
  };
}

describe('graceful shutdown of `stablegate serve`', () => {
  it('lets in-flight requests finish under load and exits 0 within 25 s of SIGTERM', async () => {
    redis = await startRedisServer();
    const current = createDeployment({ chain: devnetChain(1), redisUrl: redis.url });
    deployment = current;
    const port = await getFreePort();
    const server = startCli('serve', ['serve'], { ...current.env, PORT: String(port) });
    serve = server;
    await server.waitForLine(/API listening/, 60_000);
    const base = `http://127.0.0.1:${port}`;
    const seeded = Array.from({ length: 20 }, () => current.createInvoice(5_000_000n).id);

    const load = startLoad({
      base,
      connections: CONNECTIONS,
      headers: { authorization: `Bearer ${current.apiKey}` },
      next: (loop, n) =>
        (loop + n) % 3 === 0
          ? { method: 'POST', path: '/v1/invoices', body: invoiceBody }
          : { method: 'GET', path: `/v1/invoices/${seeded[(loop + n) % seeded.length]}` },
    });
    // A payer's page holds a live status stream open (Server-Sent Events).
    const stream = new Promise<string>((resolve) => {
      const req = request(`${base}/pay/${seeded[0]}/events`, (res) => {
        res.resume();
        res.on('end', () => resolve('ended'));
        res.on('error', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
      req.end();
    });
    await waitUntil(() => load.outcomes.length >= 1_000, { timeoutMs: 60_000 });
    const uploads = Array.from({ length: SLOW_UPLOADS }, () => startSlowUpload(base, current.apiKey));
    await waitUntil(() => uploads.every((upload) => upload.accepted()), { timeoutMs: 30_000 });

    const signalledAt = Date.now();
    server.kill('SIGTERM');
    await server.waitForLine(/shutting down/, 10_000);
    const uploadStatuses = await Promise.all(uploads.map((upload) => upload.finish()));
    const exit = await Promise.race([
      server.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), EXIT_WITHIN_MS)),
    ]);
    const exitedAfterMs = Date.now() - signalledAt;
    const outcomes = await load.stop();
    const streamEnd = await Promise.race([stream, Promise.resolve('still open')]);

    const before = outcomes.filter((outcome) => outcome.startedAt < signalledAt);
    const inFlight = before.filter((outcome) => outcome.endedAt >= signalledAt);
    const after = outcomes.filter((outcome) => outcome.startedAt >= signalledAt);
    const failed = (list: Outcome[]) =>
      list.filter((outcome) => outcome.status === null || outcome.status >= 500);
    // ECONNREFUSED: a new connection after the listener closed, so a request never accepted. Any
    // other error (ECONNRESET, socket hang up) is a request the server received and did not answer.
    const cutMidRequest = after.filter(
      (outcome) => outcome.status === null && outcome.error !== 'ECONNREFUSED',
    );
    console.log(
      `[chaos] graceful shutdown: ${outcomes.length} requests from ${CONNECTIONS} connections; ${inFlight.length} in flight ` +
        `at SIGTERM + ${SLOW_UPLOADS} slow uploads (${uploadStatuses.join(',')}); ${failed(before).length} of those failed; ` +
        `after SIGTERM ${after.length} sent, ${after.filter((o) => o.status !== null && o.status < 500).length} answered, ` +
        `${after.filter((o) => o.error === 'ECONNREFUSED').length} refused, ${cutMidRequest.length} cut ` +
        `(${[...new Set(cutMidRequest.map((o) => o.error))].join(',')}); SSE stream ${streamEnd}; ` +
        `exit ${JSON.stringify(exit)} after ${exitedAfterMs} ms`,
    );
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(EXIT_WITHIN_MS);
    expect(failed(before)).toEqual([]);
    expect(uploadStatuses).toEqual(Array.from({ length: SLOW_UPLOADS }, () => 201));
    expect(after.filter((outcome) => outcome.status !== null && outcome.status >= 500)).toEqual([]);
    // Requests sent on kept-alive connections while the server drains are answered (with
    // `Connection: close`), not reset; the next ones find the listener closed and are refused.
    expect(cutMidRequest).toEqual([]);
    // The status stream is ended by the server, so EventSource reconnects, rather than cut at the deadline.
    expect(streamEnd).toBe('ended');
    // Every 201 the clients saw is an invoice in the database, and nothing else is.
    const created =
      outcomes.filter((outcome) => outcome.status === 201).length + SLOW_UPLOADS + seeded.length;
    const stored = current.db.prepare('SELECT count(*) FROM invoices').pluck().get() as number;
    expect(stored).toBe(created);
  });
});
