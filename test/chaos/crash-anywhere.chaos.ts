import type { Address } from 'viem';
import { describe, expect, inject, it } from 'vitest';
import type { InvoiceRecord } from '../../src/domain/invoice.ts';
import { pluck } from '../../src/store/sql.ts';
import { mine, sendToken, withSnapshot } from '../fixtures/chain.ts';
import { type CliProcess, killHard } from '../fixtures/cli-process.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditOncePaid, invoiceStatuses } from '../reliability/support/delivery-audit.ts';
import { withProcessHarness } from '../reliability/support/process-harness.ts';
import { scaled } from './support/pipeline.ts';

withSnapshot();

const INVOICES = scaled(500, 10);
const MIN_KILLS = 20;
/** Up to this long after a process is up before it is killed: kills land anywhere in its work. */
const MAX_KILL_DELAY_MS = 2_000;
/** Leases of attempts cut by a kill (15 s timeout + 30 s), BullMQ's stalled-job check (30 s), the watcher lock (10 s). */
const CONVERGE_TIMEOUT_MS = 300_000;

type Role = 'watch' | 'work-a' | 'work-b';
const ROLES: Role[] = ['watch', 'work-a', 'work-b'];
const READY: Record<Role, RegExp> = {
  watch: /watcher started/,
  'work-a': /workers started/,
  'work-b': /workers started/,
};

const harness = withProcessHarness({ stopGraceMs: 5_000 });

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payers = () => inject('payers').map((payer) => payer.address as Address);
const randomInt = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

/** A random moment within the next `maxMs`: when the fault strikes, not a wait for a condition. */
const atRandomMoment = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, randomInt(0, maxMs)));

describe('crash anywhere', () => {
  it(`pays ${INVOICES} invoices exactly once while watch and work processes are SIGKILLed at random at least ${MIN_KILLS} times`, async () => {
    const { sink, deployment } = await harness.deploy({
      chain: devnetChain(2),
      // A merchant endpoint that takes up to 300 ms: kills catch deliveries in flight.
      sinkBehaviour: () => ({ delayMs: randomInt(0, 300) }),
    });

    // The process in each role now; the harness stops whichever still run after the test.
    const running = new Map<Role, CliProcess>();
    const start = (role: Role) => {
      const args = role === 'watch' ? ['watch', '--chain', String(deployment.chain.chainId)] : ['work'];
      const process = harness.startCli(role, args, deployment.env);
      running.set(role, process);
      return process;
    };
    for (const role of ROLES) start(role);
    await Promise.all(ROLES.map((role) => running.get(role)?.waitForLine(READY[role], 60_000)));

    const kills: Record<Role, number> = { watch: 0, 'work-a': 0, 'work-b': 0 };
    const total = () => kills.watch + kills['work-a'] + kills['work-b'];
    let paymentsDone = false;
    const chaos = (async () => {
      while (total() < MIN_KILLS || !paymentsDone) {
        const role = ROLES[randomInt(0, ROLES.length - 1)] as Role;
        const victim = running.get(role);
        if (!victim) continue;
        // Killed once up (or still starting, if it is slow): then at a random moment of its work.
        await victim.waitForLine(READY[role], 60_000).catch(() => undefined);
        await atRandomMoment(MAX_KILL_DELAY_MS);
        await killHard(victim);
        kills[role]++;
        start(role);
      }
    })();

    const started = Date.now();
    const invoices: InvoiceRecord[] = [];
    for (let i = 0; i < INVOICES; i++) {
      const invoice = await deployment.createInvoice(1_000_000n + BigInt(i));
      invoices.push(invoice);
      await sendToken({
        token: usdc(),
        from: payers()[i % payers().length] as Address,
        to: invoice.depositAddress,
        amount: invoice.amount,
      });
    }
    await mine(2);
    paymentsDone = true;
    await chaos;
    await Promise.all(ROLES.map((role) => running.get(role)?.waitForLine(READY[role], 60_000)));

    const { audit: result } = await auditOncePaid(deployment.store, () => sink.received(), {
      paidInvoiceIds: invoices.map((invoice) => invoice.id),
      timeoutMs: CONVERGE_TIMEOUT_MS,
    });
    const statuses = await invoiceStatuses(deployment.store);
    const transfers = await deployment.store.read(() =>
      pluck<number>('SELECT count(*) AS n FROM transfers').get(),
    );
    console.log(
      `[chaos] crash anywhere: ${total()} kills survived (watch ${kills.watch}, work ${kills['work-a'] + kills['work-b']}), ` +
        `${INVOICES} invoices, ${statuses.filter((row) => row.status === 'paid').length} paid, ${transfers} transfers, ` +
        `${result.events} events, ${result.delivered} delivered, ${result.missing.length} lost, ${result.duplicates} duplicates, ` +
        `${Math.round((Date.now() - started) / 1000)} s`,
    );
    expect(total()).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(transfers).toBe(INVOICES);
    expect(statuses.filter((row) => row.status !== 'paid' || row.amountPaid !== row.amount)).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.forged).toEqual([]);
    expect(result.paidEventsNotOne).toEqual([]);
    expect(result.paidWebhooksNotOne).toEqual([]);
  });
});
