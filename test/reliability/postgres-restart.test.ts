import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type CliProcess, tail } from '../fixtures/cli-process.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditOncePaid } from './support/delivery-audit.ts';
import {
  findPostgresBinaries,
  type PrivatePostgres,
  startPrivatePostgres,
} from './support/private-postgres.ts';
import { withProcessHarness } from './support/process-harness.ts';

withSnapshot();

/** How long PostgreSQL stays down: several of each process's polls and retries fall in it. */
const OUTAGE_MS = 8_000;
/** How long the processes have to find the server again once it is back. */
const RECOVER_TIMEOUT_MS = 60_000;
/**
 * Every API call during the outage answers within this: a reconnect attempt is at most 1 s away
 * (postgres-store.ts RECONNECT_MAX_DELAY_S), and a refused connection fails at once.
 */
const ANSWER_WITHIN_MS = 5_000;
const AMOUNT = '12.5';
const AMOUNT_UNITS = 12_500_000n;

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payer = () => inject('payers')[1]?.address as Address;

const bin = findPostgresBinaries();
if (bin === null) {
  console.warn(
    '[reliability] PostgreSQL restart: skipped, no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) on this machine',
  );
}

// Stopped last, after the harness's afterEach has stopped the processes and dropped the database.
let server: PrivatePostgres | undefined;
beforeAll(async () => {
  if (bin !== null) server = await startPrivatePostgres(bin);
}, 120_000);
afterAll(async () => {
  await server?.destroy();
});

const harness = withProcessHarness();

type Answer = { status: number; body: Record<string, unknown>; ms: number };
/** One call during the outage: `code` is the problem's code, or `checks.database.ok` for /readyz. */
type Outcome = { what: 'readyz' | 'create' | 'get' | 'list'; status: number; code: unknown; ms: number };

describe.skipIf(bin === null)('PostgreSQL restarted mid-run (a private server, never the shared one)', () => {
  it('reports the outage in /readyz and answers 503 database_unavailable while PostgreSQL is down, then recovers on its own', async () => {
    const postgres = server as PrivatePostgres;
    const { sink, deployment } = await harness.deploy({
      chain: devnetChain(2),
      database: { serverUrl: postgres.url },
    });
    const port = await getFreePort();
    const base = `http://127.0.0.1:${port}`;
    const processes: CliProcess[] = [
      harness.startCli('serve', ['serve'], { ...deployment.env, PORT: String(port), PUBLIC_URL: base }),
      harness.startCli('work', ['work'], deployment.env),
      harness.startCli('watch', ['watch', '--chain', String(deployment.chain.chainId)], deployment.env),
    ];
    const [serve, work, watch] = processes as [CliProcess, CliProcess, CliProcess];
    await Promise.all([
      serve.waitForLine(/API listening/, 60_000),
      work.waitForLine(/workers started/, 60_000),
      watch.waitForLine(/watcher lock acquired/, 60_000),
    ]);

    /** One API call, timed; it must answer well before the abort (a hang is a failure too). */
    const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
      const started = Date.now();
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${deployment.apiKey}`, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await response.json()) as Record<string, unknown>;
      return { status: response.status, body, ms: Date.now() - started };
    };
    const create = () =>
      call('/v1/invoices', {
        method: 'POST',
        body: JSON.stringify({ amount: AMOUNT, currency: 'USDC', chainId: deployment.chain.chainId }),
      });
    const pay = (invoice: Answer) =>
      sendToken({
        token: usdc(),
        from: payer(),
        to: invoice.body.depositAddress as Address,
        amount: AMOUNT_UNITS,
      });
    /** A wait that, should it time out, says what each process logged last. */
    const explained = (what: string, wait: Promise<void>) =>
      wait.catch((error: Error) => {
        const tails = processes.map((process) => `${process.name}:\n${tail(process.output(), 15)}`);
        throw new Error(`${what}: ${error.message}\n${tails.join('\n')}`);
      });
    let lastReadiness: unknown;
    const untilReady = (what: string) =>
      explained(
        what,
        waitUntil(
          async () => {
            const answer = await call('/readyz').catch((error: Error) => ({
              status: 0,
              body: error.message,
            }));
            lastReadiness = answer.body;
            return answer.status === 200;
          },
          { timeoutMs: RECOVER_TIMEOUT_MS },
        ).catch((error: Error) => {
          throw new Error(`${error.message}: /readyz ${JSON.stringify(lastReadiness)}`);
        }),
      );

    // Before: the pools hold live connections when the server goes away under them.
    await untilReady('ready before the outage');
    const paidBefore = await create();
    expect(paidBefore.status, JSON.stringify(paidBefore.body)).toBe(201);
    const paidDuring = await create();
    expect(paidDuring.status, JSON.stringify(paidDuring.body)).toBe(201);
    await pay(paidBefore);
    await mine(2);
    await explained(
      'paid before the outage',
      waitUntil(async () => (await call(`/v1/invoices/${paidBefore.body.id}`)).body.status === 'paid', {
        timeoutMs: 30_000,
      }),
    );

    await postgres.stop();
    const downAt = Date.now();
    const during: Outcome[] = [];
    try {
      // Paid while the database is down: the watcher must find it once it is back.
      await pay(paidDuring);
      await mine(2);
      while (Date.now() - downAt < OUTAGE_MS) {
        const readiness = await call('/readyz');
        const checks = readiness.body.checks as Record<string, { ok: boolean }> | undefined;
        during.push({
          what: 'readyz',
          status: readiness.status,
          code: checks?.database?.ok,
          ms: readiness.ms,
        });
        for (const [what, answer] of [
          ['create', await create()],
          ['get', await call(`/v1/invoices/${paidDuring.body.id}`)],
          ['list', await call('/v1/invoices?limit=5')],
        ] as const) {
          during.push({ what, status: answer.status, code: answer.body.code, ms: answer.ms });
        }
      }
    } finally {
      await postgres.start();
    }
    const downForMs = Date.now() - downAt;
    const runningThrough = processes.map((process) => process.isRunning());

    const restartedAt = Date.now();
    await untilReady('ready after the restart');
    const recoveredInMs = Date.now() - restartedAt;
    const after = await create();
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    await pay(after);
    await mine(2);
    const ids = [paidBefore, paidDuring, after].map((invoice) => invoice.body.id as string);
    const { audit, paidInFull } = await auditOncePaid(deployment.store, () => sink.received(), {
      paidInvoiceIds: ids,
      timeoutMs: RECOVER_TIMEOUT_MS,
    });

    const label = (outcome: Outcome) =>
      outcome.what === 'readyz'
        ? `readyz ${outcome.status} database.ok=${outcome.code}`
        : `${outcome.what} ${outcome.status} ${outcome.code}`;
    const tally: Record<string, number> = {};
    for (const outcome of during) tally[label(outcome)] = (tally[label(outcome)] ?? 0) + 1;
    const slowest = Math.max(...during.map((outcome) => outcome.ms));
    console.log(
      `[reliability] PostgreSQL down ${(downForMs / 1000).toFixed(1)} s: ${during.length} calls, ${JSON.stringify(tally)}, ` +
        `slowest ${slowest} ms; ready again ${(recoveredInMs / 1000).toFixed(1)} s after the restart; ` +
        `${paidInFull.length} of ${ids.length} paid, ${audit.events} events, ${audit.delivered} delivered, ` +
        `${audit.missing.length} lost, ${audit.duplicates} duplicates`,
    );
    // Down: readiness names the database, the API answers the documented 503 promptly, nothing crashes.
    const expected = (outcome: Outcome) =>
      outcome.what === 'readyz'
        ? outcome.status === 503 && outcome.code === false
        : outcome.status === 503 && outcome.code === 'database_unavailable';
    expect(during.filter((outcome) => !expected(outcome)).map(label)).toEqual([]);
    expect(slowest).toBeLessThan(ANSWER_WITHIN_MS);
    expect(runningThrough).toEqual([true, true, true]);
    // Back: the same processes, never restarted, answer and settle again, and nothing was lost.
    expect(processes.map((process) => process.isRunning())).toEqual([true, true, true]);
    expect(paidInFull.map((row) => row.id).sort()).toEqual([...ids].sort());
    expect(audit.missing).toEqual([]);
    expect(audit.forged).toEqual([]);
    expect(audit.paidEventsNotOne).toEqual([]);
    expect(audit.paidWebhooksNotOne).toEqual([]);
  }, 180_000);
});
