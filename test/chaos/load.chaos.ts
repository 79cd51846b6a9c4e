import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import type { Address } from 'viem';
import { describe, expect, inject, it } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { sendToken, withSnapshot } from '../fixtures/chain.ts';
import { devnetChain } from '../fixtures/gateway.ts';
import { auditDeliveries } from '../reliability/support/delivery-audit.ts';
import { withProcessHarness } from '../reliability/support/process-harness.ts';
import { CHAOS_SCALE } from './support/pipeline.ts';

withSnapshot();

const CONNECTIONS = 50;
const DURATION_S = Math.max(10, Math.round(60 * CHAOS_SCALE));
const WARMUP_S = Math.max(5, Math.round(15 * CHAOS_SCALE));
const MAX_RSS_GROWTH = 0.1;
/** Seconds of collections before a memory reading: see settledMemory. */
const SETTLE_S = 15;
const GC_ON_SIGNAL = fileURLToPath(new URL('./support/gc-on-signal.cjs', import.meta.url));

const harness = withProcessHarness();

/**
 * Resident memory of a process, from /proc (Linux): all of it (VmRSS), and its anonymous part
 * (RssAnon: heaps and stacks, where a leak lives). The rest is file-backed pages, node's own
 * binary and libraries, which the kernel may drop from an idle process and read back at any time.
 */
function resident(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const bytes = (field: string) => {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    if (!match?.[1]) throw new Error(`no ${field} for ${pid}`);
    return Number(match[1]) * 1024;
  };
  return { rss: bytes('VmRSS'), anon: bytes('RssAnon') };
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** A gauge of prom-client's default metrics from `serve`'s own /metrics, in bytes. */
async function gauge(base: string, name: string): Promise<number> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const match = new RegExp(`^stablegate_process_nodejs_${name} (\\S+)$`, 'm').exec(metrics);
  if (!match?.[1]) throw new Error(`no ${name} in /metrics`);
  return Number(match[1]);
}

const heapUsed = (base: string) => gauge(base, 'heap_size_used_bytes');

type Settled = { rss: number; anon: number; heapUsed: number; heapTotal: number; trace: string };

/**
 * `serve`'s memory once it has settled after load: a full collection every second (SIGUSR2, see
 * test/chaos/support/gc-on-signal.cjs) for SETTLE_S seconds, keeping the smallest RSS and the
 * smallest anonymous RSS. One collection right after the load is not enough to tell kept memory
 * from memory on its way back: V8 keeps its young generation grown (up to 2 × 16 MiB) until its
 * memory reducer shrinks it some 5 s after allocation stops, and comparing such unsettled states
 * read +11–16 % in a third of the 15 s runs (V8's committed heap 71 → 100 MiB with 38 MiB used),
 * −2 to +3 % in the others. Memory a leak holds never goes back, so no reading drops below it.
 */
async function settledMemory(base: string, pid: number): Promise<Settled> {
  let rss = Number.POSITIVE_INFINITY;
  let anon = Number.POSITIVE_INFINITY;
  let heap = { heapUsed: 0, heapTotal: 0 };
  const trace: string[] = [];
  for (let second = 0; second < SETTLE_S; second++) {
    process.kill(pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = resident(pid);
    trace.push(`${mib(now.rss)}/${mib(now.anon)}`);
    rss = Math.min(rss, now.rss);
    if (now.anon < anon) {
      anon = now.anon;
      heap = { heapUsed: await heapUsed(base), heapTotal: await gauge(base, 'heap_size_total_bytes') };
    }
  }
  return { rss, anon, ...heap, trace: trace.join(' ') };
}

const usdc = () => inject('tokens').find((token) => token.symbol === 'USDC')?.address as Address;
const payers = () => inject('payers').map((payer) => payer.address as Address);

/** Creates, reads and lists invoices and polls a checkout status, per connection in turn. */
function mixedLoad(base: string, apiKey: string, seededId: string, durationS: number) {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const idOf = (context: Record<string, unknown>) => (typeof context.id === 'string' ? context.id : seededId);
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/v1/invoices',
        headers,
        body: JSON.stringify({
          amount: '3.5',
          currency: 'USDC',
          chainId: 31337,
          metadata: { source: 'load' },
        }),
        onResponse: (status, body, context) => {
          if (status === 201) context.id = (JSON.parse(body) as { id: string }).id;
        },
      },
      {
        method: 'GET',
        headers,
        setupRequest: (request, context) => ({ ...request, path: `/v1/invoices/${idOf(context)}` }),
      },
      { method: 'GET', headers, path: '/v1/invoices?limit=10' },
      {
        method: 'GET',
        setupRequest: (request, context) => ({ ...request, path: `/pay/${idOf(context)}/status` }),
      },
    ],
  });
}

const summary = (result: Result) =>
  `${result.requests.total} requests (${Math.round(result.requests.average)}/s, p99 ${result.latency.p99} ms), ` +
  `${result.errors} errors, ${result.timeouts} timeouts, ${result['4xx']} 4xx, ${result['5xx']} 5xx`;

describe('load held', () => {
  it(`serves ${CONNECTIONS} connections of mixed create/get for ${DURATION_S} s while payments flow: no error, no 5xx, RSS growth < 10%`, async () => {
    // The production poll interval (1 s), not the tests' 50 ms: each poll is a SQLite write.
    const { sink, deployment } = await harness.deploy({
      chain: { ...devnetChain(1), pollIntervalMs: 1_000 },
    });
    const port = await getFreePort();
    const serve = harness.startCli('serve', ['serve'], {
      ...deployment.env,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--expose-gc --require ${GC_ON_SIGNAL}`,
    });
    const watch = harness.startCli(
      'watch',
      ['watch', '--chain', String(deployment.chain.chainId)],
      deployment.env,
    );
    harness.startCli('work', ['work'], { ...deployment.env, LOG_LEVEL: 'warn' });
    await watch.waitForLine(/watcher started/, 60_000);
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true, {
      timeoutMs: 30_000,
    });
    const seededId = (await deployment.createInvoice(1_000_000n)).id;

    // Payments flow during the whole run: pending invoices the load created are paid, one by one.
    let paying = true;
    const paid = new Set<string>();
    const unpaid = async () =>
      (
        await deployment.store.read(() =>
          query<{ id: string; address: Address; amount: string }>(
            "SELECT id, deposit_address AS address, amount FROM invoices WHERE status = 'pending' ORDER BY id DESC LIMIT 200",
          ).all(),
        )
      ).filter((invoice) => !paid.has(invoice.id));
    const payments = (async () => {
      for (let i = 0; paying; i++) {
        const [invoice] = await unpaid();
        if (!invoice) {
          await waitUntil(async () => !paying || (await unpaid()).length > 0, { timeoutMs: 120_000 });
          continue;
        }
        paid.add(invoice.id);
        await sendToken({
          token: usdc(),
          from: payers()[i % payers().length] as Address,
          to: invoice.address,
          amount: BigInt(invoice.amount),
        });
      }
    })();

    const warmup = await mixedLoad(base, deployment.apiKey, seededId, WARMUP_S);
    const before = await settledMemory(base, serve.pid);
    // RSS and JS heap every 5 s under load, for the report.
    const samples: string[] = [];
    const sampler = setInterval(() => {
      heapUsed(base)
        .then((heap) => samples.push(`${mib(resident(serve.pid).rss)}/${mib(heap)}`))
        .catch(() => undefined);
    }, 5_000);
    const result = await mixedLoad(base, deployment.apiKey, seededId, DURATION_S);
    clearInterval(sampler);
    // How long serve's event loop stood still (prom-client's monitorEventLoopDelay): a synchronous
    // SQLite wait for another process's write lock stalls every request in flight at once.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const lag = (name: string) =>
      Number(
        new RegExp(`^stablegate_process_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(
          metrics,
        )?.[1],
      );
    const after = await settledMemory(base, serve.pid);
    paying = false;
    await payments;
    const growth = (after.rss - before.rss) / before.rss;
    // The same growth counted in anonymous memory alone, so a file-backed page the kernel dropped in
    // one reading and not the other cannot hide or fake it. Relative to the whole RSS, as the 10 %
    // is: anonymous memory is ~65 % of it, and SQLite's page cache (up to 8 MiB) fills as the
    // database grows, which is bounded use, not a leak.
    const anonGrowth = (after.anon - before.anon) / before.rss;
    const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

    const paidCount = () =>
      deployment.store.read(() => pluck<number>(`SELECT count(*) FROM invoices WHERE status = 'paid'`).get());
    await waitUntil(async () => (await paidCount()) === paid.size, { timeoutMs: 120_000 }).catch(
      () => undefined,
    );
    const paidNow = await paidCount();
    const audit = await auditDeliveries(deployment.store, sink.received(), { paidInvoiceIds: [...paid] });
    console.log(
      `[chaos] load: warm-up ${summary(warmup)}; held ${DURATION_S} s: ${summary(result)}; ` +
        `serve RSS settled ${mib(before.rss)} → ${mib(after.rss)} MiB (${percent(growth)}), ` +
        `anonymous ${mib(before.anon)} → ${mib(after.anon)} MiB (${percent(anonGrowth)} of RSS), ` +
        `V8 heap used/committed ${mib(before.heapUsed)}/${mib(before.heapTotal)} → ${mib(after.heapUsed)}/${mib(after.heapTotal)} MiB, ` +
        `RSS/anonymous MiB each second of settling ${before.trace} → ${after.trace}; RSS/heap MiB every 5 s under load: ${samples.join(' ')}; ` +
        `serve event-loop stall p99 ${Math.round(lag('p99') * 1000)} ms, max ${Math.round(lag('max') * 1000)} ms; ` +
        `${paid.size} payments sent, ${paidNow} invoices paid, ${audit.paidEventsNotOne.length} with other than one invoice.paid`,
    );
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result['5xx']).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(growth).toBeLessThan(MAX_RSS_GROWTH);
    expect(anonGrowth).toBeLessThan(MAX_RSS_GROWTH);
    expect(paidNow).toBe(paid.size);
    expect(audit.paidEventsNotOne).toEqual([]);
  });
});
