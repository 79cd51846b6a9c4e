import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('openDatabase', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates its folder 0700 and the database, -wal and -shm files 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'stablegate-db-'));
    dirs.push(root);
    const path = join(root, 'state', 'nested', 'stablegate.db');
    const db = openDatabase(path);
    // A write makes SQLite create the WAL and its shared-memory index.
    db.prepare('CREATE TABLE probe (x INTEGER)').run();
    try {
      expect(modeOf(join(root, 'state'))).toBe(0o700);
      expect(modeOf(join(root, 'state', 'nested'))).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect({ file, mode: modeOf(file).toString(8) }).toEqual({ file, mode: '600' });
      }
    } finally {
      db.close();
    }
  });
});
