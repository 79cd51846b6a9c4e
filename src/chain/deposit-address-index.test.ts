import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInvoice } from '../store/invoices.ts';
import { createMerchant } from '../store/merchants.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createDepositAddressIndex } from './deposit-address-index.ts';

const CHAIN_ID = 31337;
const USDC = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 } as const;

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-address-index-'));
  store = openSqliteStore(join(dir, 'test.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `count` invoices of one forwarder merchant (CREATE2 addresses: no key derivation). */
async function addInvoices(count: number): Promise<string[]> {
  const { merchant } = await store.write(createMerchant, {
    name: 'Shop',
    payout: '0x000000000000000000000000000000000000bEEF',
  });
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const { invoice } = await store.write(
      createInvoice,
      { merchantId: merchant.id, chainId: CHAIN_ID, token: USDC, amount: 1n, expiresInSeconds: 600 },
      { publicUrl: 'http://127.0.0.1:3000', now: new Date() },
    );
    addresses.push(invoice.depositAddress);
  }
  return addresses;
}

const toTopic = (address: string) => `0x000000000000000000000000${address.slice(2).toLowerCase()}`;

describe('the deposit-address index', () => {
  it('loads the invoices added since its last refresh, and matches their `to` topics', async () => {
    const index = createDepositAddressIndex(store, CHAIN_ID);
    const first = await addInvoices(2);
    expect((await index.refresh(0, () => false)).added).toBe(2);
    const [later] = await addInvoices(1);
    expect(index.matchToTopic(toTopic(later as string))).toBeUndefined();
    const refreshed = await index.refresh(index.lastRowId, () => true);
    expect(refreshed.added).toBe(1);
    expect(refreshed.catchUp.map((row) => row.depositAddress)).toEqual([later]);
    for (const address of [...first, later as string])
      expect(index.matchToTopic(toTopic(address))).toBeGreaterThan(0);
    expect(index.size).toBe(3);
  });

  it('loads again from a committed mark below its own, so rows a failed step loaded are caught up', async () => {
    const index = createDepositAddressIndex(store, CHAIN_ID);
    const addresses = await addInvoices(3);
    await index.refresh(0, () => true);
    const committed = index.lastRowId - 2;
    // The step that loaded them failed before its commit: the cursor still says `committed`.
    const again = await index.refresh(committed, (row) => row.rowid > committed);
    expect(again.catchUp.map((row) => row.depositAddress)).toEqual(addresses.slice(1));
    expect(index.size).toBe(3);
    expect(index.lastRowId).toBe(committed + 2);
  });
});
