import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSecretBox } from '../../src/runtime/secret-key.ts';
import { copyDatabase, DatabaseCopyError } from '../../src/store/copy-database.ts';
import { fanOutEvents } from '../../src/store/delivery-outbox.ts';
import { listEvents } from '../../src/store/events.ts';
import { createInvoice, listInvoices } from '../../src/store/invoices.ts';
import { createMerchant } from '../../src/store/merchants.ts';
import { openStore } from '../../src/store/open-store.ts';
import { pluck } from '../../src/store/sql.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { createWebhookEndpoint } from '../../src/store/webhook-endpoints.ts';
import { TEST_CHAIN, testXpub } from '../fixtures/context.ts';
import { createTestDatabase, type TestDatabase } from '../fixtures/pg-database.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const USDC = TEST_CHAIN.tokens[0] as (typeof TEST_CHAIN.tokens)[number];
const OPTIONS = { publicUrl: 'http://localhost:3000' };

/** A SQLite file with two merchants, their invoices, an endpoint and fanned-out deliveries. */
async function populatedSqlite(): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-copy-'));
  const store = openSqliteStore(join(dir, 'stablegate.db'));
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const secrets = loadSecretBox({ databasePath: join(dir, 'stablegate.db') });
  for (const [account, name] of [
    [1, 'Shop'],
    [2, 'Other'],
  ] as const) {
    const { merchant } = await store.write(createMerchant, { name, xpub: testXpub(account) });
    await store.write(createWebhookEndpoint, {
      merchantId: merchant.id,
      url: 'http://127.0.0.1:9/hook',
      events: null,
      now: new Date(),
      secrets,
    });
    for (let i = 0; i < 7; i++) {
      await store.write(
        createInvoice,
        {
          merchantId: merchant.id,
          chainId: TEST_CHAIN.chainId,
          token: USDC,
          amount: 10n ** 30n + BigInt(i),
          expiresInSeconds: 900,
          metadata: { order: `${name}-${i}` },
        },
        { ...OPTIONS, now: new Date() },
      );
    }
  }
  await store.write(fanOutEvents, new Date(), 100);
  return store;
}

async function freshPostgres(): Promise<Store> {
  const database: TestDatabase = await createTestDatabase();
  const store = await openStore({ databaseUrl: database.url, databasePath: '', poolSize: 2 });
  cleanups.push(async () => {
    await store.close();
    await database.drop();
  });
  return store;
}

const count = (store: Store, table: string) =>
  store.read(function* () {
    return (yield* pluck<number>(`SELECT count(*) FROM ${table}`).get()) ?? 0;
  });

describe('stablegate db copy', () => {
  it('copies every row from SQLite to PostgreSQL, verified, and PostgreSQL carries on after them', async () => {
    const source = await populatedSqlite();
    const target = await freshPostgres();
    const report = await copyDatabase(source, target);
    const rows = Object.fromEntries(report.tables.map((table) => [table.name, table.rows]));
    expect(rows).toMatchObject({
      merchants: 2,
      invoices: 14,
      events: 14,
      deliveries: 14,
      webhook_endpoints: 2,
    });

    // The same invoices, amounts beyond 2^64 exact, in the same order, on the new engine.
    const merchantId = (await source.read(function* () {
      return yield* pluck<string>("SELECT id FROM merchants WHERE name = 'Shop'").get();
    })) as string;
    const before = await source.read(listInvoices, merchantId, { limit: 100 });
    const after = await target.read(listInvoices, merchantId, { limit: 100 });
    expect(after).toEqual(before);
    expect(after.data[0]?.invoice.amount).toBe(10n ** 30n + 6n);

    // New rows continue the copied ones: the next address index, seq and rowid are fresh.
    const created = await target.write(
      createInvoice,
      { merchantId, chainId: TEST_CHAIN.chainId, token: USDC, amount: 1n, expiresInSeconds: 900 },
      { ...OPTIONS, now: new Date() },
    );
    expect(created.invoice.addressIndex).toBe(7);
    const page = await target.read(listEvents, merchantId, { limit: 1 });
    expect(page.data[0]?.invoiceId).toBe(created.invoice.id);
    expect(await count(target, 'invoices')).toBe(15);
  });

  it('refuses a target that holds rows, and changes nothing there', async () => {
    const source = await populatedSqlite();
    const target = await freshPostgres();
    await copyDatabase(source, target);
    await expect(copyDatabase(source, target)).rejects.toThrow(DatabaseCopyError);
    expect(await count(target, 'invoices')).toBe(14);
  });
});
