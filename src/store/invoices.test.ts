import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInvoice, loadInvoice } from './invoices.ts';
import { createMerchant } from './merchants.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

const USDC = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 } as const;

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-invoices-'));
  store = openSqliteStore(join(dir, 'test.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createInvoice', () => {
  it('returns exactly the invoice a later load reads back, with and without the optional fields', async () => {
    const { merchant } = await store.write(createMerchant, {
      name: 'Shop',
      payout: '0x000000000000000000000000000000000000bEEF',
    });
    const now = new Date('2026-12-02T10:00:00.123Z');
    const inputs = [
      { amount: 25_500_000n, expiresInSeconds: 600 },
      {
        amount: 1n,
        expiresInSeconds: 3600,
        orderId: 'order-7',
        description: 'A course',
        metadata: { plan: 'gold' },
        returnUrl: 'https://shop.example/thanks',
      },
    ];
    for (const input of inputs) {
      const created = await store.write(
        createInvoice,
        { merchantId: merchant.id, chainId: 31337, token: USDC, ...input },
        { publicUrl: 'http://127.0.0.1:3000', now },
      );
      expect(await store.read(loadInvoice, created.invoice.id)).toEqual(created);
    }
  });
});
