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

it('rebuilds sweeps to take the unsigned status, keeping every sweep and what references it', () => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-006-'));
  const db = openDatabase(join(dir, 'db.sqlite'), { migrate: false });
  runMigrations(db, 5);
  const now = '2026-01-01T00:00:00.000Z';
  db.exec(`
    INSERT INTO merchants (id, name, deposit_mode, payout_address, created_at)
      VALUES ('mch_1', 'Shop', 'forwarder', '0x000000000000000000000000000000000000dEaD', '${now}');
    INSERT INTO sweeps (id, merchant_id, chain_id, payout, status, tokens, submitted_at, updated_at, seq)
      VALUES ('swp_1', 'mch_1', 1, '0x000000000000000000000000000000000000dEaD', 'confirmed', '[]', '${now}', '${now}', 3);
    INSERT INTO sweep_addresses (sweep_id, deposit_address, salt) VALUES ('swp_1', '0xA', '0x01');
    INSERT INTO sweep_flushes (sweep_id, deposit_address, token_address, amount, log_index)
      VALUES ('swp_1', '0xA', '0xT', '12345678901234567890', 0);
    INSERT INTO events (id, merchant_id, sweep_id, type, payload, created_at, seq)
      VALUES ('evt_1', 'mch_1', 'swp_1', 'sweep.confirmed', '{}', '${now}', 1);
  `);
  expect(runMigrations(db)).toEqual({ from: 5, to: migrations.length });
  expect(db.prepare('SELECT id, status, seq, calldata, planned FROM sweeps').all()).toEqual([
    { id: 'swp_1', status: 'confirmed', seq: 3, calldata: null, planned: null },
  ]);
  expect(db.prepare('SELECT amount FROM sweep_flushes').pluck().all()).toEqual(['12345678901234567890']);
  db.prepare(
    `INSERT INTO sweeps (id, merchant_id, chain_id, payout, status, tokens, submitted_at, updated_at, seq)
     VALUES ('swp_2', 'mch_1', 1, '0x000000000000000000000000000000000000dEaD', 'unsigned', '[]', '${now}', '${now}', 4)`,
  ).run();
  expect(() =>
    db
      .prepare(
        `INSERT INTO sweep_addresses (sweep_id, deposit_address, salt) VALUES ('swp_missing', '0xB', '0x02')`,
      )
      .run(),
  ).toThrow(/FOREIGN KEY/);
  db.close();
});
