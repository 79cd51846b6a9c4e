import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { stopChild } from '../../src/devnet/stop-child.ts';
import { createMerchant } from '../../src/store/merchants.ts';
import { pluck } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { measureCommitRate } from '../lib/commit-probe.ts';
import { waitFor } from '../lib/poll.ts';
import { cpuSeconds, rssMiB } from '../lib/proc-stats.ts';
import { BENCH_DIR, cpuProfileArgs, writeResult } from '../lib/results.ts';
import type { Scenario, ScenarioOptions } from '../lib/scenario.ts';
import { addMerchant } from '../lib/seed.ts';
import { fmt } from '../lib/stats.ts';
import { type Storage, storages } from '../lib/storage.ts';
import { printTable } from '../lib/table.ts';

const CLI = join(BENCH_DIR, '..', 'bin', 'stablegate.js');
const BENCH_PAYOUT = '0x000000000000000000000000000000000000bEEF';
const CHAIN = {
  chainId: 31337,
  name: 'Anvil',
  rpcUrl: 'http://127.0.0.1:9',
  confirmations: 1,
  tokens: [{ symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }],
};

type CannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
};

/**
 * 4. API: the real server (`stablegate serve`, its own process, LOG_LEVEL=info as in production)
 * under autocannon, 50 connections × 30 s: `POST /v1/invoices` with a unique Idempotency-Key per
 * request for an xpub merchant, then for a forwarder merchant, then `GET /v1/invoices/:id` over
 * the xpub invoices that run created. The load generator
 * shares the 2 cores with the server.
 */
async function runOn(options: ScenarioOptions, storage: Storage) {
  const duration = options.quick ? 5 : 30;
  const connections = 50;
  const dir = mkdtempSync(join(storage.dir, 'stablegate-bench-api-'));
  const databasePath = join(dir, 'stablegate.db');
  const chainsPath = join(dir, 'chains.json');
  writeFileSync(chainsPath, JSON.stringify({ chains: [CHAIN] }));
  const store = openSqliteStore(databasePath);
  const { apiKey } = await addMerchant(store, 40);
  // Forwarder mode: a CREATE2 address is two keccak hashes, no elliptic-curve multiplication.
  const forwarder = await store.write(createMerchant, { name: 'Bench forwarder', payout: BENCH_PAYOUT });
  const port = await getFreePort();
  // The CLI runs dist/: build it from the sources being measured.
  execFileSync(process.execPath, [join(BENCH_DIR, '..', 'bin', 'build.js')], { stdio: 'inherit' });
  const nodeArgs: string[] = [];
  if (options.profile) {
    nodeArgs.push(...cpuProfileArgs(`api-stablegate-${storage.name}`));
  }
  const server = spawn(process.execPath, [...nodeArgs, CLI, 'serve'], {
    env: {
      ...process.env,
      DATABASE_PATH: databasePath,
      STABLEGATE_CONFIG: chainsPath,
      PORT: String(port),
      LOG_LEVEL: 'info',
      // The benchmark measures the server, not the per-key write limit it would otherwise hit.
      RATE_LIMIT_WRITES_PER_MINUTE: '100000000',
      RATE_LIMIT_WRITES_BURST: '10000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const pid = server.pid as number;
  try {
    const up = await waitFor(
      async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok ?? false,
      60_000,
      100,
    );
    if (!up) throw new Error(`stablegate serve did not start\n${stderr}`);
    const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    // One request first so lazy work (route compilation, first statement preparation) is not in the sample.
    await fetch(`${url}/v1/invoices`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: '1', currency: 'USDC', chainId: 31337 }),
    });

    const phases: Record<string, { result: CannonResult; rssBefore: number; rssAfter: number; cpu: number }> =
      {};
    const body = JSON.stringify({
      amount: '25.5',
      currency: 'USDC',
      chainId: 31337,
      orderId: 'bench',
      metadata: { source: 'bench' },
    });
    phases['POST /v1/invoices'] = await measure(pid, {
      url: `${url}/v1/invoices`,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          headers,
          body,
          setupRequest: (request: { headers: Record<string, string> }) => ({
            ...request,
            headers: { ...request.headers, 'idempotency-key': randomUUID() },
          }),
        },
      ],
    });
    phases['POST /v1/invoices (forwarder mode)'] = await measure(pid, {
      url: `${url}/v1/invoices`,
      connections,
      duration,
      requests: [
        {
          method: 'POST',
          headers: { ...headers, authorization: `Bearer ${forwarder.apiKey}` },
          body,
          setupRequest: (request: { headers: Record<string, string> }) => ({
            ...request,
            headers: { ...request.headers, 'idempotency-key': randomUUID() },
          }),
        },
      ],
    });
    const ids = await store.read(function* () {
      return yield* pluck<string>(
        'SELECT id FROM invoices WHERE merchant_id != ? ORDER BY rowid DESC LIMIT 10000',
      ).all(forwarder.merchant.id);
    });
    let next = 0;
    phases['GET /v1/invoices/:id'] = await measure(pid, {
      url,
      connections,
      duration,
      requests: [
        {
          method: 'GET',
          headers,
          setupRequest: (request: object) => ({
            ...request,
            path: `/v1/invoices/${ids[next++ % ids.length]}`,
          }),
        },
      ],
    });
    const created = await store.read(function* () {
      return (yield* pluck<number>('SELECT count(*) FROM invoices').get()) ?? 0;
    });
    const ceiling = measureCommitRate(3_000, storage.dir);
    console.log(
      `disk ceiling: ${fmt(ceiling.commitsPerSecond, 0)} durable SQLite commits/s (${fmt(ceiling.msPerCommit, 2)} ms each; WAL, synchronous=FULL, one small transaction)`,
    );

    printTable(
      `API on ${storage.label}: autocannon, ${connections} connections × ${duration} s per route (server and load generator share 2 cores)`,
      [
        'route',
        'req/s (mean)',
        'requests',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'non-2xx',
        'errors',
        'timeouts',
        'RSS before → after MiB',
        'server CPU s',
      ],
      Object.entries(phases).map(([route, { result, rssBefore, rssAfter, cpu }]) => [
        route,
        fmt(result.requests.average, 0),
        fmt(result.requests.total),
        fmt(result.latency.p50, 0),
        fmt(result.latency.p90, 0),
        fmt(result.latency.p99, 0),
        fmt(result.latency.max, 0),
        fmt(result.non2xx),
        fmt(result.errors),
        fmt(result.timeouts),
        `${fmt(rssBefore, 0)} → ${fmt(rssAfter, 0)}`,
        fmt(cpu, 1),
      ]),
    );
    return writeResult(`api-${storage.name}`, {
      connections,
      durationSeconds: duration,
      invoicesInDatabase: created,
      commitCeiling: ceiling,
      phases: Object.fromEntries(
        Object.entries(phases).map(([route, phase]) => [
          route,
          {
            requestsPerSecond: phase.result.requests.average,
            total: phase.result.requests.total,
            latencyMs: phase.result.latency,
            non2xx: phase.result.non2xx,
            errors: phase.result.errors,
            timeouts: phase.result.timeouts,
            statusCodes: phase.result.statusCodeStats,
            rssBeforeMiB: phase.rssBefore,
            rssAfterMiB: phase.rssAfter,
            serverCpuSeconds: phase.cpu,
          },
        ]),
      ),
    });
  } finally {
    await stopChild(server, 20_000);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(pid: number, opts: Record<string, unknown>) {
  const rssBefore = rssMiB(pid);
  const cpuBefore = cpuSeconds(pid);
  const result = (await autocannon(opts)) as CannonResult;
  return { result, rssBefore, rssAfter: rssMiB(pid), cpu: cpuSeconds(pid) - cpuBefore };
}

/** The same benchmark with the database on the disk, then on tmpfs: the difference is fsync. */
async function run(options: ScenarioOptions) {
  for (const storage of storages()) await runOn(options, storage);
}

export const api: Scenario = { name: 'api', title: 'API throughput', run };
