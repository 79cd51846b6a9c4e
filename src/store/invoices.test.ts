import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from './db.ts';
import { createInvoice, loadInvoice } from './invoices.ts';
import { createMerchant } from './merchants.ts';

const USDC = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 } as const;

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-invoices-'));
  db = openDatabase(join(dir, 'test.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createInvoice', () => {
  it('returns exactly the invoice a later load reads back, with and without the optional fields', () => {
    const { merchant } = createMerchant(db, {
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
      const created = createInvoice(
        db,
        { merchantId: merchant.id, chainId: 31337, token: USDC, ...input },
        { publicUrl: 'http://127.0.0.1:3000', now },
      );
      expect(loadInvoice(db, created.invoice.id)).toEqual(created);
    }
  });
});
