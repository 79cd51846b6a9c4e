import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/db.ts';
import { loadSecretBox } from './secret-key.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('loadSecretBox', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the key file beside the database 0600, and every later load reads the same key', () => {
    const root = mkdtempSync(join(tmpdir(), 'stablegate-key-'));
    dirs.push(root);
    const path = join(root, 'state', 'stablegate.db');
    // openDatabase makes the 0700 folder the key file is written into.
    openDatabase(path).close();
    const sealed = loadSecretBox({ databasePath: path }).seal('whsec_test', 'whe_1');
    expect(modeOf(`${path}.key`).toString(8)).toBe('600');
    const key = readFileSync(`${path}.key`, 'utf8');
    expect(loadSecretBox({ databasePath: path }).open(sealed, 'whe_1')).toBe('whsec_test');
    expect(readFileSync(`${path}.key`, 'utf8')).toBe(key);
  });
});
