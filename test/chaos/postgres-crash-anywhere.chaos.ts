import { randomUUID } from 'node:crypto';
import type { Address } from 'viem';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { pluck } from '../../src/store/sql.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditOncePaid, invoiceStatuses } from '../reliability/support/delivery-audit.ts';
import { withProcessHarness } from '../reliability/support/process-harness.ts';
import { createInvoiceWithRetries, type RetryTally } from './support/create-invoice-with-retries.ts';
import { scaled } from './support/pipeline.ts';
import { type SupervisedProcesses, superviseProcesses } from './support/supervised-processes.ts';
import { startTerminatingBackends } from './support/terminate-backends.ts';

withSnapshot();

/**
 * Crash anywhere (crash-anywhere.chaos.ts) on PostgreSQL, laid out as a multi-host deployment
 * (issue 17): two `serve`, two `work`, two `watch` (one scanning, one standing by on the Redis
 * lock), and the database's connections cut under all of them as well.
 */
const INVOICES = scaled(500, 10);
const MIN_KILLS = 20;
/** Up to this long after a process is up before it is killed: kills land anywhere in its work. */
const MAX_KILL_DELAY_MS = 2_000;
/** Every 200–600 ms, each backend of the gateway's database is terminated with this probability. */
const TERMINATE_EVERY_MS: [number, number] = [200, 600];
const TERMINATE_FRACTION = 0.5;
/** Leases of attempts cut by a kill (15 s timeout + 20 s margin), BullMQ's stalled-job check (30 s), the watcher lock (10 s). */
const CONVERGE_TIMEOUT_MS = 300_000;
const START_TIMEOUT_MS = 60_000;
/** A create is retried (on the other `serve` too) until this long has passed. */
const CREATE_DEADLINE_MS = 60_000;
/** Invoices are created and paid by this many lanes at once, one payer each. */
const LANES = 4;

type Role = 'serve-a' | 'serve-b' | 'work-a' | 'work-b' | 'watch-a' | 'watch-b';
const ROLES: Role[] = ['serve-a', 'serve-b', 'work-a', 'work-b', 'watch-a', 'watch-b'];
const KINDS = ['serve', 'work', 'watch'] as const;
const kindOf = (role: Role) => role.slice(0, role.indexOf('-')) as (typeof KINDS)[number];
const READY: Record<(typeof KINDS)[number], RegExp> = {
  serve: /API listening/,
  work: /workers started/,
  // Up, whether it scans or stands by: the lock decides which.
  watch: /watcher started/,
};

const harness = withProcessHarness({ stopGraceMs: 5_000 });
// Registered after the harness's, so it runs before it (vitest runs afterEach hooks last-in first-out):
// a test that failed must not have its processes restarted while the harness stops them.
let supervised: SupervisedProcesses<Role> | undefined;
afterEach(() => {
  supervised?.stop();
  supervised = undefined;
});

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payers = () => inject('payers').map((payer) => payer.address as Address);
const randomInt = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

/** A random moment within the next `maxMs`: when the fault strikes, not a wait for a condition. */
const atRandomMoment = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, randomInt(0, maxMs)));

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

describe('crash anywhere on PostgreSQL', () => {
  it(`pays ${INVOICES} invoices exactly once through 2 serve, 2 work and 2 watch processes SIGKILLed at random at least ${MIN_KILLS} times, while their PostgreSQL connections are terminated`, async () => {
    const { sink, deployment } = await harness.deploy({
      chain: devnetChain(2),
      // A merchant endpoint that takes up to 300 ms: kills catch deliveries in flight.
      sinkBehaviour: () => ({ delayMs: randomInt(0, 300) }),
      // Its own database on the test server, whatever STORE says: this scenario is PostgreSQL's.
      database: { engine: 'postgres' },
    });
    const ports = { 'serve-a': await getFreePort(), 'serve-b': await getFreePort() };
    const processes = superviseProcesses({
      roles: ROLES,
      ready: Object.fromEntries(ROLES.map((role) => [role, READY[kindOf(role)]])) as Record<Role, RegExp>,
      start: (role) => {
        const env = {
          ...deployment.env,
          // Six processes and the test share the server with whatever else the machine runs.
          DATABASE_POOL_SIZE: '4',
          ...(role === 'serve-a' || role === 'serve-b'
            ? { PORT: String(ports[role]), HOST: '127.0.0.1' }
            : {}),
        };
        const kind = kindOf(role);
        const args = kind === 'watch' ? ['watch', '--chain', String(deployment.chain.chainId)] : [kind];
        return harness.startCli(role, args, env);
      },
    });
    supervised = processes;
    await processes.allUp(START_TIMEOUT_MS);

    const terminator = startTerminatingBackends(deployment.databaseUrl as string, {
      everyMs: TERMINATE_EVERY_MS,
      fraction: TERMINATE_FRACTION,
    });

    const kills: Record<(typeof KINDS)[number], number> = { serve: 0, work: 0, watch: 0 };
    const total = () => kills.serve + kills.work + kills.watch;
    let paymentsDone = false;
    let aborted = false;
    const chaos = (async () => {
      while (!aborted && (total() < MIN_KILLS || !paymentsDone)) {
        const role = ROLES[randomInt(0, ROLES.length - 1)] as Role;
        const victim = processes.current(role);
        // Killed once up (or still starting, if it is slow): then at a random moment of its work.
        await victim.waitForLine(READY[kindOf(role)], START_TIMEOUT_MS).catch(() => undefined);
        await atRandomMoment(MAX_KILL_DELAY_MS);
        // Unless it exited on its own meanwhile: its successor is next time's.
        if (await processes.kill(role, victim)) kills[kindOf(role)]++;
      }
    })();
    const started = Date.now();
    const runId = randomUUID();
    const tally: RetryTally = { attempts: 0, retried: {} };
    const ids: string[] = [];
    let paidAfterMs = 0;
    let faultsEndedAfterMs = 0;
    let terminated = 0;
    try {
      await Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          for (let i = lane; i < INVOICES; i += LANES) {
            const amount = 1_000_000n + BigInt(i);
            const invoice = await createInvoiceWithRetries({
              baseUrls: Object.values(ports).map((port) => `http://127.0.0.1:${port}`),
              apiKey: deployment.apiKey,
              chainId: deployment.chain.chainId,
              amount,
              idempotencyKey: `chaos-${runId}-${i}`,
              deadlineMs: CREATE_DEADLINE_MS,
              tally,
            });
            ids.push(invoice.id);
            const from = payers()[lane % payers().length] as Address;
            await sendToken({ token: usdc(), from, to: invoice.depositAddress, amount });
          }
        }),
      );
      await mine(2);
      paymentsDone = true;
      paidAfterMs = Date.now() - started;
      await chaos;
      faultsEndedAfterMs = Date.now() - started;
    } finally {
      // Whatever failed, the faults end here; the harness then stops the processes.
      aborted = true;
      ({ terminated } = await terminator.stop());
    }
    await processes.allUp(START_TIMEOUT_MS);

    const { audit: result } = await auditOncePaid(deployment.store, () => sink.received(), {
      paidInvoiceIds: ids,
      timeoutMs: CONVERGE_TIMEOUT_MS,
    });
    processes.stop();
    const statuses = await invoiceStatuses(deployment.store);
    const transfers = await deployment.store.read(() =>
      pluck<number>('SELECT count(*) AS n FROM transfers').get(),
    );
    console.log(
      `[chaos] crash anywhere on PostgreSQL: ${total()} kills survived (serve ${kills.serve}, work ${kills.work}, ` +
        `watch ${kills.watch}), ${terminated} backends terminated, ${processes.startFailures.length} start-ups ` +
        `failed and restarted, ${processes.crashes.length} crashes; ${INVOICES} invoices in ${tally.attempts} ` +
        `create calls (retried: ${JSON.stringify(tally.retried)}), ${statuses.filter((row) => row.status === 'paid').length} paid, ` +
        `${transfers} transfers, ${result.events} events, ${result.delivered} delivered, ${result.missing.length} lost, ` +
        `${result.duplicates} duplicates; payments made in ${seconds(paidAfterMs)}, faults ended after ` +
        `${seconds(faultsEndedAfterMs)}, all settled and delivered after ${seconds(Date.now() - started)}`,
    );
    if (processes.startFailures.length > 0)
      console.log(`[chaos] start-ups that failed:\n${processes.startFailures.join('\n')}`);
    expect(processes.crashes).toEqual([]);
    expect(total()).toBeGreaterThanOrEqual(MIN_KILLS);
    // One invoice per key however often its create was retried, one transfer per payment.
    expect(new Set(ids).size).toBe(INVOICES);
    expect(statuses.length).toBe(INVOICES);
    expect(transfers).toBe(INVOICES);
    expect(statuses.filter((row) => row.status !== 'paid' || row.amountPaid !== row.amount)).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.forged).toEqual([]);
    expect(result.paidEventsNotOne).toEqual([]);
    expect(result.paidWebhooksNotOne).toEqual([]);
  });
});
