import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseBusyError, StorageFullError } from '../domain/errors.ts';
import { type Db, isDatabaseBusy, openDatabase, writeTransaction } from './db.ts';

let dir: string;
let db: Db;
let other: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-store-error-'));
  db = openDatabase(join(dir, 'test.db'), { migrate: false });
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, data BLOB)');
  other = openDatabase(join(dir, 'test.db'), { migrate: false });
});
afterEach(() => {
  db.close();
  other.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (label: string, bytes = 0) =>
  writeTransaction(db, () =>
    db.prepare('INSERT INTO items (label, data) VALUES (?, zeroblob(?))').run(label, bytes),
  );

describe('writeTransaction errors', () => {
  it('throws DatabaseBusyError, with SQLite’s error as its cause, while another connection holds the write lock', () => {
    db.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      let error: unknown;
      try {
        insert('late');
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(DatabaseBusyError);
      expect(error).toMatchObject({ code: 'database_busy', retryable: true, cause: { code: 'SQLITE_BUSY' } });
      expect(isDatabaseBusy(error)).toBe(true);
    } finally {
      other.exec('COMMIT');
    }
  });

  it('throws StorageFullError when the file cannot grow, and writes nothing', () => {
    insert('before');
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 1}`);
    expect(() => insert('big', 1_000_000)).toThrow(StorageFullError);
    expect(other.prepare('SELECT label FROM items').pluck().all()).toEqual(['before']);
  });

  it('passes every other error through as it is', () => {
    insert('twice');
    expect(() => insert('twice')).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
  });
});
