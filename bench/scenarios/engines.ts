import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import type { StoreEngine } from '../../src/store/store.ts';
import { type BenchEngine, openBenchEngine } from '../lib/bench-engine.ts';
import { buildCli, type CliProcess, startCli } from '../lib/cli-process.ts';
import { type CpuParts, type CpuUse, cpuBetween, readCpu } from '../lib/cpu-account.ts';
import { type CreationLoad, createInvoicesUnderLoad } from '../lib/invoice-load.ts';
import { waitFor } from '../lib/poll.ts';
import type { ActivitySummary } from '../lib/postgres-meter.ts';
import { writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import { addEndpoint, addMerchant, randomAddresses } from '../lib/seed.ts';
import { insertConfirmedTransfers, insertOpenInvoices } from '../lib/seed-payments.ts';
import { fmt, type Summary, summarize } from '../lib/stats.ts';
import { printTable } from '../lib/table.ts';
import { startVerifyingReceiver, type VerifyingReceiver } from '../lib/verifying-receiver.ts';

const ENGINES: StoreEngine[] = ['sqlite', 'postgres'];
/** BENCH_ENGINES='postgres' (or 'sqlite'): one engine only, to look at it again. */
const selectedEngines = () =>
  ENGINES.filter((name) => (process.env.BENCH_ENGINES ?? ENGINES.join(',')).split(',').includes(name));
/** BENCH_ENGINES_WORKLOADS='webhooks' (or 'creations'): one workload only. */
const runs = (workload: 'creations' | 'webhooks') =>
  (process.env.BENCH_ENGINES_WORKLOADS ?? 'creations,webhooks').split(',').includes(workload);
const PROCESS_COUNTS = [1, 2] as const;
/** autocannon connections in all, split evenly over the serve processes. */
const CONNECTIONS = 50;
const CHAIN_ID = 31337;
const TOKEN = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const, decimals: 6 };
const CHAIN = {
  chainId: CHAIN_ID,
  name: 'Anvil',
  rpcUrl: 'http://127.0.0.1:9',
  confirmations: 1,
  tokens: [TOKEN],
};
const ACTIVITY_SAMPLE_MS = 250;
/**
 * A webhooks run ends when every webhook arrived; or when, after the first, none arrived for
 * STALL_MS (the relays tick every 200 ms, so the rest are stuck, not slow); or WEBHOOK_WINDOW_MS
 * after the commit, so
 * a slow engine bounds the run's time. The rate is then that of the webhooks that arrived.
 */
const STALL_MS = 10_000;
const WEBHOOK_WINDOW_MS = 45_000;

type Sizes = { warmupSeconds: number; loadSeconds: number; webhooks: number };
type Measured = { engine: StoreEngine; processes: number; cpu: CpuUse; activity: ActivitySummary | null };
type CreationRun = Measured & { load: CreationLoad };
type WebhookRun = Measured & {
  expected: number;
  delivered: number;
  seconds: number;
  latencyMs: Summary;
  counts: { verified: number; rejected: number; duplicates: number };
};

/**
 * 7. Engines: SQLite beside PostgreSQL, with one and two processes, in one run on this machine.
 * Invoice creations (`stablegate serve` × 1 then × 2, autocannon's 50 connections split over
 * them) and settled, verified webhooks (`stablegate work` × 1, then × 2, on a fresh batch of
 * confirmed transfers). Every figure comes with the CPU each process used per operation —
 * the gateway's, PostgreSQL's, Redis's, the bench's and the whole machine's — since on 2 cores a
 * second process and the database server compete for the same cores.
 */
async function run(options: ScenarioOptions) {
  const sizes: Sizes = options.quick
    ? { warmupSeconds: 1, loadSeconds: 3, webhooks: 500 }
    : { warmupSeconds: 3, loadSeconds: 15, webhooks: 5_000 };
  buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-bench-engines-config-'));
  const chainsPath = join(dir, 'chains.json');
  writeFileSync(chainsPath, JSON.stringify({ chains: [CHAIN] }));
  const secretKey = randomBytes(32).toString('base64');
  console.log(
    `load average at start: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  const creations: CreationRun[] = [];
  const webhooks: WebhookRun[] = [];
  try {
    for (const name of selectedEngines()) {
      const engine = await openBenchEngine(name, secretKey);
      try {
        if (runs('creations'))
          creations.push(...(await measureCreations(engine, chainsPath, sizes, options)));
        for (const [i, processes] of PROCESS_COUNTS.entries()) {
          if (runs('webhooks'))
            webhooks.push(await measureWebhooks(engine, chainsPath, processes, 50 + i, sizes, options));
        }
      } finally {
        await engine.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printReport(creations, webhooks, sizes);
  return writeResult('engines', {
    connections: CONNECTIONS,
    sizes,
    loadAverageAtEnd: loadavg(),
    creations,
    webhooks,
  });
}

/** One database, serve × 1 then × 2 (the first keeps running): a warm-up, then the measured load. */
async function measureCreations(
  engine: BenchEngine,
  chainsPath: string,
  sizes: Sizes,
  options: ScenarioOptions,
): Promise<CreationRun[]> {
  const { apiKey } = await addMerchant(engine.store, 40);
  const servers: CliProcess[] = [];
  const baseUrls: string[] = [];
  const runs: CreationRun[] = [];
  try {
    for (const processes of PROCESS_COUNTS) {
      while (servers.length < processes) {
        const port = await getFreePort();
        const env = {
          ...engine.env,
          STABLEGATE_CONFIG: chainsPath,
          HOST: '127.0.0.1',
          PORT: String(port),
          // The benchmark measures the server, not the per-key write limit it would otherwise hit.
          RATE_LIMIT_WRITES_PER_MINUTE: '100000000',
          RATE_LIMIT_WRITES_BURST: '10000000',
        };
        const profile = `engines-serve-${engine.name}-${processes}-${servers.length + 1}`;
        servers.push(
          await startCli('serve', env, { ready: 'API listening', ...(options.profile ? { profile } : {}) }),
        );
        baseUrls.push(`http://127.0.0.1:${port}`);
      }
      const load = { baseUrls, apiKey, connections: CONNECTIONS };
      // Lazy work (route compilation, statements prepared on each pooled connection) stays out of the sample.
      await createInvoicesUnderLoad({ ...load, durationSeconds: sizes.warmupSeconds });
      const parts: CpuParts = { gatewayPids: servers.map((server) => server.pid), postgres: engine.meter };
      const measured = await measureWhile(parts, engine, () =>
        createInvoicesUnderLoad({ ...load, durationSeconds: sizes.loadSeconds }),
      );
      runs.push({ engine: engine.name, processes, load: measured.result, ...measured.use });
    }
    return runs;
  } finally {
    for (const server of servers) await server.stop();
  }
}

/**
 * A fresh merchant, endpoint, receiver and redis-server; `sizes.webhooks` open invoices; `work`
 * × `processes` started; then one confirmed transfer paying each invoice, committed at once (as
 * one watcher batch would). Measured: that commit → the last verified `invoice.paid`.
 */
async function measureWebhooks(
  engine: BenchEngine,
  chainsPath: string,
  processes: number,
  account: number,
  sizes: Sizes,
  options: ScenarioOptions,
): Promise<WebhookRun> {
  const count = sizes.webhooks;
  const redis = await startRedisServer();
  const receiver = await startVerifyingReceiver();
  const workers: CliProcess[] = [];
  try {
    const { merchantId } = await addMerchant(engine.store, account);
    const events = ['invoice.paid' as const];
    receiver.setSecret(await addEndpoint(engine.store, engine.keySource, merchantId, receiver.url, events));
    const amount = 5_000_000n;
    const invoices = await insertOpenInvoices(engine.store, {
      merchantId,
      chainId: CHAIN_ID,
      token: TOKEN,
      amount,
      addresses: randomAddresses(count),
    });
    const env = {
      ...engine.env,
      STABLEGATE_CONFIG: chainsPath,
      REDIS_URL: redis.url,
      ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
    };
    for (let i = 1; i <= processes; i++) {
      const profile = `engines-work-${engine.name}-${processes}-${i}`;
      workers.push(
        await startCli('work', env, { ready: 'workers started', ...(options.profile ? { profile } : {}) }),
      );
    }
    await insertConfirmedTransfers(engine.store, { chainId: CHAIN_ID, token: TOKEN, amount, invoices });
    const committedAt = Date.now();
    const parts: CpuParts = {
      gatewayPids: workers.map((worker) => worker.pid),
      redisPid: redis.pid,
      postgres: engine.meter,
    };
    const measured = await measureWhile(parts, engine, () => waitForWebhooks(receiver, count));
    const paid = receiver.paid();
    const arrivals = paid.map((item) => item.receivedAt - committedAt);
    // None at all: the rate is 0 over the whole window.
    const seconds = (paid.length > 0 ? Math.max(...arrivals) : WEBHOOK_WINDOW_MS) / 1000;
    return {
      engine: engine.name,
      processes,
      expected: count,
      delivered: paid.length,
      seconds,
      latencyMs: summarize(arrivals),
      counts: receiver.counts(),
      ...measured.use,
    };
  } finally {
    for (const worker of workers) await worker.stop();
    await receiver.close();
    await redis.stop();
  }
}

/** Resolves once `count` webhooks arrived (true), or at a stall or the window's end (false). */
async function waitForWebhooks(receiver: VerifyingReceiver, count: number): Promise<boolean> {
  let seen = 0;
  let progressAt = Date.now();
  await waitFor(
    () => {
      const now = receiver.paid().length;
      if (now > seen) [seen, progressAt] = [now, Date.now()];
      // Settling comes first: before the first webhook only the window bounds the wait.
      return now >= count || (seen > 0 && Date.now() - progressAt > STALL_MS);
    },
    WEBHOOK_WINDOW_MS,
    20,
  );
  return seen >= count;
}

/** CPU of `parts` (and PostgreSQL's activity, sampled) while `work` runs. */
async function measureWhile<T>(
  parts: CpuParts,
  engine: BenchEngine,
  work: () => Promise<T>,
): Promise<{ result: T; use: { cpu: CpuUse; activity: ActivitySummary | null } }> {
  const before = await readCpu(parts);
  const sampler = engine.meter?.sampleActivity(ACTIVITY_SAMPLE_MS) ?? null;
  const result = await work();
  const after = await readCpu(parts);
  const activity = sampler ? await sampler.stop() : null;
  return { result, use: { cpu: cpuBetween(before, after), activity } };
}

const ENGINE_LABEL: Record<StoreEngine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
/** CPU milliseconds per operation. */
const perOp = (seconds: number, ops: number) => (ops === 0 ? '—' : fmt((seconds * 1000) / ops, 2));
const postgresPerOp = (cpu: CpuUse, ops: number) =>
  Number.isNaN(cpu.postgresServer)
    ? '—'
    : `${perOp(cpu.postgresDatabase, ops)} / ${perOp(cpu.postgresServer, ops)}`;
/** CPU seconds of the processes measured (of PostgreSQL, the bench database's backends). */
const ours = (cpu: CpuUse) =>
  cpu.gateway +
  cpu.bench +
  (Number.isNaN(cpu.postgresDatabase) ? 0 : cpu.postgresDatabase) +
  (Number.isNaN(cpu.redis) ? 0 : cpu.redis);
/** Cores busy over the run: with the processes measured, and with everything else on the machine. */
const coresBusy = (cpu: CpuUse) =>
  `${fmt(ours(cpu) / cpu.wallSeconds, 2)} / ${fmt((cpu.machine - ours(cpu)) / cpu.wallSeconds, 2)}`;

function printReport(creations: CreationRun[], webhooks: WebhookRun[], sizes: Sizes) {
  printTable(
    `Invoice creations (POST /v1/invoices, xpub merchant): autocannon, ${CONNECTIONS} connections split over the serve processes, ${sizes.loadSeconds} s; CPU in ms per creation`,
    [
      'engine',
      'serve',
      'creations/s',
      'p50 ms',
      'p99 ms',
      'non-2xx / errors',
      'serve CPU',
      'PostgreSQL CPU (db / server)',
      'autocannon CPU',
      'all measured',
      'cores busy: measured / other',
    ],
    creations.map(({ engine, processes, load, cpu }) => [
      ENGINE_LABEL[engine],
      String(processes),
      fmt(load.perSecond, 0),
      fmt(load.latencyMs.p50, 0),
      fmt(load.latencyMs.p99, 0),
      `${fmt(load.non2xx)} / ${fmt(load.errors + load.timeouts)}`,
      perOp(cpu.gateway, load.created),
      postgresPerOp(cpu, load.created),
      perOp(cpu.bench, load.created),
      perOp(ours(cpu), load.created),
      coresBusy(cpu),
    ]),
  );
  printTable(
    `Settled and verified webhooks: ${fmt(sizes.webhooks)} confirmed transfers committed at once → ${fmt(sizes.webhooks)} invoice.paid; CPU in ms per webhook`,
    [
      'engine',
      'work',
      'webhooks/s',
      'commit → last (s)',
      'p50 / p99 ms',
      'work CPU',
      'PostgreSQL CPU (db / server)',
      'redis CPU',
      'receiver CPU',
      'all measured',
      'cores busy: measured / other',
      'delivered / duplicates',
    ],
    webhooks.map((run) => [
      ENGINE_LABEL[run.engine],
      String(run.processes),
      fmt(run.delivered / run.seconds, 0),
      fmt(run.seconds, 2),
      `${fmt(run.latencyMs.p50, 0)} / ${fmt(run.latencyMs.p99, 0)}`,
      perOp(run.cpu.gateway, run.delivered),
      postgresPerOp(run.cpu, run.delivered),
      perOp(run.cpu.redis, run.delivered),
      perOp(run.cpu.bench, run.delivered),
      perOp(ours(run.cpu), run.delivered),
      coresBusy(run.cpu),
      `${run.delivered === run.expected ? 'all' : `${fmt(run.delivered)} of ${fmt(run.expected)}`} / ${fmt(run.counts.duplicates)}`,
    ]),
  );
  const sampled = [
    ...creations.map((run) => ({ ...run, workload: 'creations', processLabel: 'serve' })),
    ...webhooks.map((run) => ({ ...run, workload: 'webhooks', processLabel: 'work' })),
  ].filter((run) => run.activity !== null);
  printTable(
    `PostgreSQL backends of the bench database, mean number in each state (sampled every ${ACTIVITY_SAMPLE_MS} ms)`,
    [
      'workload',
      'processes',
      'commits / rollbacks / deadlocks',
      'on CPU',
      'waiting on a lock',
      'I/O or WAL wait',
      'idle in transaction',
      'idle',
      'most frequent state/wait',
    ],
    sampled.map(({ workload, processLabel, processes, activity, cpu }) => {
      const a = activity as ActivitySummary;
      const t = cpu.postgresTransactions;
      return [
        workload,
        `${processes} ${processLabel}`,
        t ? `${fmt(t.commits)} / ${fmt(t.rollbacks)} / ${fmt(t.deadlocks)}` : '—',
        fmt(a.running, 2),
        fmt(a.lockWait, 2),
        fmt(a.ioWait, 2),
        fmt(a.idleInTransaction, 2),
        fmt(a.idle, 2),
        a.top.map(([key, n]) => `${key} ${fmt(n, 1)}`).join('; '),
      ];
    }),
  );
}

export const engines: Scenario = { name: 'engines', title: 'SQLite and PostgreSQL, 1 and 2 processes', run };
