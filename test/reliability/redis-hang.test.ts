import type { Address } from 'viem';
import { describe, expect, inject, it } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditOncePaid } from './support/delivery-audit.ts';
import { withProcessHarness } from './support/process-harness.ts';

withSnapshot();

/** How long Redis hangs (SIGSTOP) before it is shut down and restarted empty. */
const HANG_MS = 6_000;
/** Every API answer during the hang must come within this; Redis never answering must not stall it. */
const ANSWER_WITHIN_MS = 5_000;
const INVOICES_EACH_PHASE = 3;

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[3]?.address as Address;

const harness = withProcessHarness();

type Answer = { what: string; status: number | string; ms: number };

describe('Redis hung, then lost', () => {
  it('keeps the API answering while Redis hangs (SIGSTOP), then delivers everything once it is restarted empty', async () => {
    const { redis, sink, deployment } = await harness.deploy({ chain: devnetChain(2) });
    const port = await getFreePort();
    const serve = harness.startCli('serve', ['serve'], { ...deployment.env, PORT: String(port) });
    const watch = harness.startCli(
      'watch',
      ['watch', '--chain', String(deployment.chain.chainId)],
      deployment.env,
    );
    const work = harness.startCli('work', ['work'], deployment.env);
    await Promise.all([
      serve.waitForLine(/API listening/, 60_000),
      watch.waitForLine(/watcher lock acquired/, 60_000),
      work.waitForLine(/workers started/, 60_000),
    ]);
    const base = `http://127.0.0.1:${port}`;
    const answers: Answer[] = [];
    /** One API call, timed; a timeout or a connection error is recorded as the status. */
    const call = async (what: string, path: string, init: RequestInit = {}) => {
      const started = Date.now();
      try {
        const response = await fetch(`${base}${path}`, {
          ...init,
          headers: {
            authorization: `Bearer ${deployment.apiKey}`,
            'content-type': 'application/json',
          },
          signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
        });
        const body = (await response.json()) as Record<string, unknown>;
        answers.push({ what, status: response.status, ms: Date.now() - started });
        return { status: response.status, body };
      } catch (error) {
        answers.push({ what, status: (error as Error).name, ms: Date.now() - started });
        return { status: 0, body: {} };
      }
    };
    const createAndPay = async () => {
      const created = await call('create', '/v1/invoices', {
        method: 'POST',
        body: JSON.stringify({ amount: '12.5', currency: 'USDC', chainId: deployment.chain.chainId }),
      });
      const { id, depositAddress } = created.body as { id: string; depositAddress: Address };
      await sendToken({ token: usdc(), from: payer(), to: depositAddress, amount: 12_500_000n });
      return id;
    };

    const ids: string[] = [];
    for (let i = 0; i < INVOICES_EACH_PHASE; i++) ids.push(await createAndPay());

    // Hung: the socket stays open and nothing answers, as with a stuck Redis or a partition.
    redis.pause();
    const hungAt = Date.now();
    const answersBefore = answers.length;
    let readiness: Record<string, unknown> = {};
    while (Date.now() - hungAt < HANG_MS) {
      ids.push(await createAndPay());
      await call('get', `/v1/invoices/${ids.at(-1)}`);
      await call('list', '/v1/invoices?limit=10');
      await call('checkout status', `/pay/${ids.at(-1)}/status`);
      readiness = (await call('readyz', '/readyz')).body;
    }
    await mine(2);
    const duringHang = answers.slice(answersBefore);
    const hungForMs = Date.now() - hungAt;
    // Lost: shut down, and back on the same port without any of its data.
    await harness.restartRedisEmpty();
    // And new work flows again on the empty Redis.
    for (let i = 0; i < INVOICES_EACH_PHASE; i++) ids.push(await createAndPay());
    await mine(2);

    const { audit: result, paidInFull: paid } = await auditOncePaid(deployment.store, () => sink.received(), {
      paidInvoiceIds: ids,
      timeoutMs: 60_000,
    });
    const slowest = Math.max(...duringHang.map((answer) => answer.ms));
    console.log(
      `[reliability] redis hung ${(hungForMs / 1000).toFixed(1)} s then restarted empty: ` +
        `${duringHang.length} API calls during the hang, statuses ${JSON.stringify(
          Object.fromEntries(
            [...new Set(duringHang.map((answer) => `${answer.what} ${answer.status}`))].map((key) => [
              key,
              duringHang.filter((answer) => `${answer.what} ${answer.status}` === key).length,
            ]),
          ),
        )}, slowest ${slowest} ms; ${paid.length} of ${ids.length} paid, ${result.events} events, ` +
        `${result.delivered} delivered, ${result.missing.length} lost, ${result.duplicates} duplicates`,
    );
    const expected: Record<string, number> = {
      create: 201,
      get: 200,
      list: 200,
      'checkout status': 200,
      readyz: 503,
    };
    expect(duringHang.filter((answer) => answer.status !== expected[answer.what])).toEqual([]);
    expect(readiness).toMatchObject({ status: 'not_ready', checks: { redis: { ok: false } } });
    expect(paid).toHaveLength(ids.length);
    expect(result.missing).toEqual([]);
    expect(result.forged).toEqual([]);
    expect(result.paidEventsNotOne).toEqual([]);
    expect(result.paidWebhooksNotOne).toEqual([]);
    // Start-up (up to 60 s on a loaded machine), the hang, and settle jobs lost with Redis re-offered
    // after 30 s: more than the suite's 60 s default.
  }, 180_000);
});
