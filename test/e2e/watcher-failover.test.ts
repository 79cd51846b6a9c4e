import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, erc20Abi, parseEventLogs, parseUnits } from 'viem';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { startRedisServer } from '../../src/devnet/start-redis-server.ts';
import { waitUntil } from '../../src/devnet/wait-until.ts';
import { LEADER_LOCK_TTL_MS } from '../../src/runtime/leader-lock.ts';
import { getCursor } from '../../src/store/chain-state.ts';
import { createInvoice } from '../../src/store/invoices.ts';
import { query } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { sendToken, withSnapshot } from '../fixtures/chain.ts';
import {
  type CliProcess,
  childEnv,
  runCli,
  spawnCli,
  tail,
  waitForProcess,
} from '../fixtures/cli-process.ts';
import { testXpub } from '../fixtures/context.ts';

const chainId = inject('chainId');
const tokens = inject('tokens');
const payers = inject('payers');

const ACQUIRED = 'watcher lock acquired: scanning';
const STANDBY = 'watcher started (standby until it holds the lock)';
const LOST = 'watcher lock lost: standing by';
/** README: a standby takes over within ten seconds of the holder dying (the lock's TTL), plus a retry. */
const TAKEOVER_TIMEOUT_MS = 15_000;
const RECORD_TIMEOUT_MS = 20_000;

const cleanups: (() => Promise<void> | void)[] = [];
withSnapshot();
// Registered after withSnapshot's hooks, so (hooks unwind as a stack) it runs before the revert.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Payment = { txHash: string; logIndex: number };

function logCount(cli: CliProcess, msg: string): number {
  return cli.logs().filter((line) => line.msg === msg).length;
}

/** `stablegate watch` needs the chains file, the database and Redis, as in production. */
function writeChainsFile(dir: string): string {
  const path = join(dir, 'chains.json');
  const chain = {
    chainId,
    name: 'Anvil',
    rpcUrl: inject('rpcUrl'),
    confirmations: 1,
    pollIntervalMs: 100,
    tokens: tokens.map(({ symbol, address, decimals }) => ({ symbol, address, decimals })),
  };
  writeFileSync(path, JSON.stringify({ chains: [chain] }, null, 2));
  return path;
}

function token(symbol: string) {
  const found = tokens.find((candidate) => candidate.symbol === symbol);
  if (!found) throw new Error(`no token ${symbol}`);
  return found;
}

/** The transfers table: every (tx, log) recorded, with how many rows each has. */
async function recordedPayments(store: Store): Promise<Map<string, number>> {
  const rows = await store.read(() =>
    query<{ tx_hash: string; log_index: number; count: number }>(
      'SELECT tx_hash, log_index, COUNT(*) AS count FROM transfers GROUP BY tx_hash, log_index',
    ).all(),
  );
  return new Map(rows.map((row) => [`${row.tx_hash.toLowerCase()}:${row.log_index}`, row.count]));
}

const key = (payment: Payment) => `${payment.txHash.toLowerCase()}:${payment.logIndex}`;

describe('stablegate watch with a hot standby', () => {
  test('one of two watchers scans; when it is killed the standby takes over and nothing is recorded twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-e2e-watch-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const databasePath = join(dir, 'stablegate.db');
    // The lock key is per chain (stablegate:watcher-lock:<chainId>): this file is its only user.
    const env = childEnv({
      DATABASE_PATH: databasePath,
      STABLEGATE_CONFIG: writeChainsFile(dir),
      REDIS_URL: inject('redisUrl'),
    });
    await runCli(['migrate'], env);
    const { merchantId } = JSON.parse(
      await runCli(['merchant', 'create', '--name', 'Failover Shop', '--xpub', testXpub(3), '--json'], env),
    ) as { merchantId: string };
    const store = openSqliteStore(databasePath);
    cleanups.push(() => store.close());

    const watchers = [0, 1].map(() => {
      const cli = spawnCli(['watch', '--chain', String(chainId)], env);
      cleanups.push(() => cli.stop());
      return cli;
    });
    const [a, b] = watchers as [CliProcess, CliProcess];
    await waitUntil(
      () =>
        watchers.every((cli) => logCount(cli, STANDBY) === 1) &&
        logCount(a, ACQUIRED) + logCount(b, ACQUIRED) === 1,
      { timeoutMs: 30_000 },
    ).catch((error: unknown) => {
      throw new Error(
        `watchers did not settle into active + standby:\n${tail(a.output())}\n---\n${tail(b.output())}`,
        {
          cause: error,
        },
      );
    });
    const [active, standby] = logCount(a, ACQUIRED) === 1 ? [a, b] : [b, a];
    await waitForProcess(active, async () => (await store.read(getCursor, chainId)) !== null, {
      timeoutMs: RECORD_TIMEOUT_MS,
      what: 'the active watcher set no cursor',
    });

    /** An invoice made as the API makes it, then paid from a payer with one ERC-20 transfer each. */
    const payments: Payment[] = [];
    async function invoiceAndPay(symbol: string, amounts: string[], payerIndex: number) {
      const tokenRef = token(symbol);
      const { invoice } = await store.write(
        createInvoice,
        {
          merchantId,
          chainId,
          token: tokenRef,
          amount: amounts.reduce((sum, amount) => sum + parseUnits(amount, tokenRef.decimals), 0n),
          expiresInSeconds: 3600,
        },
        { publicUrl: 'http://localhost:3000', now: new Date() },
      );
      for (const amount of amounts) {
        const payer = payers[payerIndex];
        if (!payer) throw new Error(`no payer ${payerIndex}`);
        const receipt = await sendToken({
          token: tokenRef.address as Address,
          from: payer.address,
          to: invoice.depositAddress as Address,
          amount: parseUnits(amount, tokenRef.decimals),
        });
        const [log] = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs });
        if (log?.logIndex === undefined) throw new Error('the transfer emitted no Transfer log');
        payments.push({ txHash: receipt.transactionHash, logIndex: log.logIndex });
      }
    }
    const expectRecordedOnce = async (what: string) => {
      await waitUntil(
        async () => {
          const recorded = await recordedPayments(store);
          return payments.every((payment) => recorded.has(key(payment)));
        },
        { timeoutMs: RECORD_TIMEOUT_MS },
      ).catch((error: unknown) => {
        throw new Error(`${what}: not every transfer was recorded\n${tail(standby.output())}`, {
          cause: error,
        });
      });
      const recorded = await recordedPayments(store);
      expect([...recorded.keys()].sort()).toEqual(payments.map(key).sort());
      expect([...recorded.values()].every((count) => count === 1)).toBe(true);
    };

    await invoiceAndPay('USDC', ['12.5'], 0);
    await invoiceAndPay('DAI', ['1.000000000000000001', '2'], 1);
    await invoiceAndPay('USDT', ['99.99'], 2);
    await expectRecordedOnce('while one watcher is active');
    expect(logCount(active, ACQUIRED) + logCount(standby, ACQUIRED)).toBe(1);

    // The holder dies without releasing the lock; payments keep arriving meanwhile.
    active.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await active.waitForExit(5_000)).toEqual({ code: null, signal: 'SIGKILL' });
    await invoiceAndPay('USDC', ['3'], 3);
    await invoiceAndPay('DAI', ['4.5'], 0);

    await waitForProcess(standby, () => logCount(standby, ACQUIRED) === 1, {
      timeoutMs: Math.max(0, TAKEOVER_TIMEOUT_MS - (Date.now() - killedAt)),
      what: 'the standby did not take over',
    });
    await expectRecordedOnce('after the takeover');

    standby.kill('SIGTERM');
    expect(await standby.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  test('a watcher whose Redis goes silent stops scanning before its lock expires, and exits on SIGTERM', async () => {
    // A private redis-server, so pausing it leaves the run's one alone.
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-e2e-watch-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const env = childEnv({
      DATABASE_PATH: join(dir, 'stablegate.db'),
      STABLEGATE_CONFIG: writeChainsFile(dir),
      REDIS_URL: redis.url,
    });
    await runCli(['migrate'], env);
    const watcher = spawnCli(['watch', '--chain', String(chainId)], env);
    cleanups.push(() => watcher.stop());
    await waitForProcess(watcher, () => logCount(watcher, ACQUIRED) === 1, {
      timeoutMs: 30_000,
      what: 'the watcher did not take the lock',
    });

    // SIGSTOP: the socket stays open and nothing answers, as with a hung Redis or a partition.
    redis.pause();
    cleanups.push(() => redis.resume());
    const pausedAt = Date.now();
    await waitForProcess(watcher, () => logCount(watcher, LOST) === 1, {
      timeoutMs: 20_000,
      what: 'the watcher did not give up the lock',
    });
    // Its lock outlives the last renewal by LEADER_LOCK_TTL_MS; a standby could take it from then on.
    expect(Date.now() - pausedAt).toBeLessThan(LEADER_LOCK_TTL_MS);

    watcher.kill('SIGTERM');
    expect(await watcher.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 60_000);
});
