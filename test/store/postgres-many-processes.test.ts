import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, test } from 'vitest';
import { getFreePort } from '../../src/devnet/free-port.ts';
import { pluck, query } from '../../src/store/sql.ts';
import { type CliProcess, childEnv, runCli, spawnCli, waitForProcess } from '../fixtures/cli-process.ts';
import { testXpub } from '../fixtures/context.ts';
import { openTestDatabase, TEST_ENGINE } from '../fixtures/test-database.ts';

/**
 * What SQLite's single writer gave for free, made explicit on PostgreSQL (issue 17): three `serve`
 * processes, each with its own connection pool, write into one database at once, as on three hosts.
 */
const SERVES = 3;
const CREATES = 200;
const RETRIES = 50;
const START_TIMEOUT_MS = 60_000;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Invoice = { id: string; depositAddress: string; amount: string };

async function startServes() {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-pg-serves-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const database = await openTestDatabase(dir);
  cleanups.push(() => database.close());
  const tokens = inject('tokens').map(({ symbol, address, decimals }) => ({ symbol, address, decimals }));
  const chain = {
    chainId: inject('chainId'),
    name: 'Anvil',
    rpcUrl: inject('rpcUrl'),
    confirmations: 1,
    tokens,
  };
  writeFileSync(join(dir, 'chains.json'), JSON.stringify({ chains: [chain] }));
  const baseEnv = {
    ...database.env,
    STABLEGATE_CONFIG: join(dir, 'chains.json'),
    REDIS_URL: inject('redisUrl'),
    HOST: '127.0.0.1',
    DATABASE_POOL_SIZE: '4',
    RATE_LIMIT_WRITES_PER_MINUTE: '10000000',
    RATE_LIMIT_WRITES_BURST: '1000000',
  };
  const { apiKey } = JSON.parse(
    await runCli(
      ['merchant', 'create', '--name', 'Many hosts', '--xpub', testXpub(7), '--json'],
      childEnv(baseEnv),
    ),
  ) as { apiKey: string };
  const urls: string[] = [];
  for (let i = 0; i < SERVES; i++) {
    const port = await getFreePort();
    const url = `http://127.0.0.1:${port}`;
    const serve: CliProcess = spawnCli(
      ['serve'],
      childEnv({ ...baseEnv, PORT: String(port), PUBLIC_URL: url }),
      {
        name: `stablegate serve ${i + 1}`,
      },
    );
    cleanups.push(() => serve.stop());
    await waitForProcess(
      serve,
      async () => (await fetch(`${url}/healthz`).catch(() => null))?.status === 200,
      { timeoutMs: START_TIMEOUT_MS, what: `serve ${i + 1} did not answer` },
    );
    urls.push(url);
  }
  const create = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/v1/invoices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ amount: '12.5', currency: 'USDC', chainId: chain.chainId }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as Invoice;
  };
  return { store: database.store, urls, create };
}

describe.runIf(TEST_ENGINE === 'postgres')('PostgreSQL shared by several serve processes', () => {
  test(`${CREATES} concurrent creations across ${SERVES} serve processes: no address index twice`, async () => {
    const { store, urls, create } = await startServes();
    const invoices = await Promise.all(
      Array.from({ length: CREATES }, (_, i) => create(urls[i % SERVES] as string)),
    );
    expect(new Set(invoices.map((invoice) => invoice.depositAddress)).size).toBe(CREATES);
    const indexes = await store.read(function* () {
      return yield* pluck<number>('SELECT address_index FROM invoices ORDER BY address_index').all();
    });
    // Every index once, none skipped: 0 … 199.
    expect(indexes).toEqual(Array.from({ length: CREATES }, (_, i) => i));
    const { rowids, created } = await store.read(function* () {
      return {
        rowids: yield* pluck<number>('SELECT rowid FROM invoices ORDER BY rowid').all(),
        created: yield* query<{ n: number }>(
          "SELECT count(*) AS n FROM events WHERE type = 'invoice.created'",
        ).get(),
      };
    });
    // The watcher's high-water mark needs rowids without gaps or repeats (store/invoices.ts).
    expect(rowids).toEqual(Array.from({ length: CREATES }, (_, i) => i + 1));
    expect(created?.n).toBe(CREATES);
  });

  test(`${RETRIES} concurrent retries of one Idempotency-Key across ${SERVES} processes: one invoice`, async () => {
    const { store, urls, create } = await startServes();
    const key = 'order-4711-attempt';
    const answers = await Promise.all(
      Array.from({ length: RETRIES }, (_, i) =>
        create(urls[i % SERVES] as string, { 'idempotency-key': key }),
      ),
    );
    expect(new Set(answers.map((invoice) => invoice.id)).size).toBe(1);
    const invoices = await store.read(function* () {
      return yield* pluck<number>('SELECT count(*) FROM invoices').get();
    });
    expect(invoices).toBe(1);
  });
});
