import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { xpubKeyHash } from '../domain/xpub.ts';
import { runMigrations } from './migrate.ts';
import { migrations } from './migrations/index.ts';

/** An account-level xpub (m/44'/60'/1'/0) of anvil's mnemonic, as a merchant registers it. */
const XPUB = HDKey.fromMasterSeed(
  mnemonicToSeedSync('test test test test test test test test test test test junk'),
).derive("m/44'/60'/1'/0").publicExtendedKey;

describe('runMigrations', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A database left at `version` by an older release, foreign keys on as every connection has. */
  function databaseAt(version: number): Database.Database {
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-migrate-'));
    dirs.push(dir);
    const db = new Database(join(dir, 'old.db'));
    db.pragma('foreign_keys = ON');
    runMigrations(db, version);
    return db;
  }

  it('rebuilds merchants for deposit modes (004) keeping every row and reference, foreign keys on after', () => {
    const db = databaseAt(3);
    const xpub = XPUB;
    db.prepare(
      "INSERT INTO merchants (id, name, xpub, xpub_key_hash, next_address_index, created_at) VALUES ('mch_a', 'A', ?, ?, 1, 't')",
    ).run(xpub, xpubKeyHash(xpub));
    db.prepare(
      "INSERT INTO api_keys (id, merchant_id, key_hash, display_prefix, created_at) VALUES ('key_a', 'mch_a', 'h', 'sk_', 't')",
    ).run();
    db.prepare(
      `INSERT INTO invoices (id, merchant_id, status, chain_id, token_symbol, token_address, token_decimals, amount,
         address_index, deposit_address, created_at, expires_at, updated_at, seq)
       VALUES ('inv_a', 'mch_a', 'pending', 1, 'USDC', '0x0', 6, '1', 0, '0xd', 't', 't', 't', 1)`,
    ).run();

    expect(runMigrations(db)).toEqual({ from: 3, to: migrations.length });

    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.prepare('SELECT id, deposit_mode, xpub, next_address_index FROM merchants').all()).toEqual([
      { id: 'mch_a', deposit_mode: 'xpub', xpub, next_address_index: 1 },
    ]);
    expect(db.prepare('SELECT deposit_mode, forwarder_payout FROM invoices').get()).toEqual({
      deposit_mode: 'xpub',
      forwarder_payout: null,
    });
    // Still enforced: references to the rebuilt table, and each mode's own column.
    expect(() =>
      db.prepare("UPDATE api_keys SET merchant_id = 'mch_nobody' WHERE id = 'key_a'").run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO merchants (id, name, deposit_mode, created_at) VALUES ('mch_b', 'B', 'forwarder', 't')",
        )
        .run(),
    ).toThrow(/CHECK/);
    db.prepare(
      "INSERT INTO merchants (id, name, deposit_mode, payout_address, created_at) VALUES ('mch_c', 'C', 'forwarder', '0x000000000000000000000000000000000000bEEF', 't')",
    ).run();
    db.close();
  });
});
