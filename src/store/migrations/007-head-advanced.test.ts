import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { getCursor, markSynced } from '../chain-state.ts';
import { openDatabase } from '../db.ts';
import { runMigrations } from '../migrate.ts';
import { createSqliteStore } from '../sqlite-store.ts';
import { migrations } from './index.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('keeps every cursor, with no stale-head limit until its watcher writes one', async () => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-007-'));
  const db = openDatabase(join(dir, 'db.sqlite'), { migrate: false });
  runMigrations(db, 6);
  db.exec(`
    INSERT INTO chain_cursors (chain_id, block_number, block_hash, block_timestamp, head_number, synced_at, indexed_rowid, updated_at)
      VALUES (1, 100, '0xab', 1700000000, 101, '2026-01-01T00:00:00.000Z', 7, '2026-01-01T00:00:00.000Z');
  `);
  expect(runMigrations(db)).toEqual({ from: 6, to: migrations.length });
  const store = createSqliteStore(db);
  expect(await store.read(getCursor, 1)).toMatchObject({
    number: 100,
    headNumber: 101,
    indexedRowId: 7,
    headAdvancedAt: null,
    staleAfterMs: null,
  });
  // The watcher's next write: the head has not moved since the cursor was saved, but with no time
  // known for its last advance, the clock starts now.
  const now = new Date('2026-01-01T00:05:00.000Z');
  await store.write(markSynced, 1, 101, now, 12_000);
  expect(await store.read(getCursor, 1)).toMatchObject({ headAdvancedAt: now, staleAfterMs: 12_000 });
  await store.close();
});
