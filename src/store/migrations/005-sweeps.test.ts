import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../db.ts';
import { runMigrations } from '../migrate.ts';
import { migrations } from './index.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('rebuilds events with a nullable invoice_id, keeping every event, its order and its deliveries', () => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-005-'));
  const db = openDatabase(join(dir, 'db.sqlite'), { migrate: false });
  runMigrations(db, 4);
  const now = '2026-01-01T00:00:00.000Z';
  db.exec(`
    INSERT INTO merchants (id, name, deposit_mode, payout_address, created_at)
      VALUES ('mch_1', 'Shop', 'forwarder', '0x000000000000000000000000000000000000dEaD', '${now}');
    INSERT INTO invoices (id, merchant_id, status, chain_id, token_symbol, token_address, token_decimals, amount,
      address_index, deposit_address, created_at, expires_at, updated_at, seq)
      VALUES ('inv_1', 'mch_1', 'pending', 1, 'USDC', '0x1', 6, '1', 0, '0xA', '${now}', '${now}', '${now}', 1);
    INSERT INTO events (id, merchant_id, invoice_id, type, payload, created_at, seq)
      VALUES ('evt_1', 'mch_1', 'inv_1', 'invoice.created', '{}', '${now}', 7);
    INSERT INTO webhook_endpoints (id, merchant_id, url, secret, created_at) VALUES ('whe_1', 'mch_1', 'https://x', 's', '${now}');
    INSERT INTO deliveries (id, event_id, endpoint_id, status, created_at, updated_at, seq)
      VALUES ('dlv_1', 'evt_1', 'whe_1', 'pending', '${now}', '${now}', 1);
  `);
  expect(runMigrations(db)).toEqual({ from: 4, to: migrations.length });
  expect(db.prepare('SELECT id, invoice_id, sweep_id, seq FROM events').all()).toEqual([
    { id: 'evt_1', invoice_id: 'inv_1', sweep_id: null, seq: 7 },
  ]);
  // The deliveries still reference events, and the rebuilt table still enforces its own keys.
  expect(() =>
    db
      .prepare(`INSERT INTO deliveries (id, event_id, endpoint_id, status, created_at, updated_at, seq)
      VALUES ('dlv_2', 'evt_missing', 'whe_1', 'pending', '${now}', '${now}', 2)`)
      .run(),
  ).toThrow(/FOREIGN KEY/);
  db.prepare(
    `INSERT INTO events (id, merchant_id, invoice_id, type, payload, created_at, seq)
     VALUES ('evt_2', 'mch_1', NULL, 'sweep.failed', '{}', '${now}', 8)`,
  ).run();
  expect(() =>
    db
      .prepare(`INSERT INTO events (id, merchant_id, invoice_id, type, payload, created_at, seq)
      VALUES ('evt_3', 'mch_1', 'inv_1', 'invoice.created', '{}', '${now}', 9)`)
      .run(),
  ).toThrow(/UNIQUE/);
  db.close();
});
