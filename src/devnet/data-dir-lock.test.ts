import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE_NAME } from './data-dir-lock.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-lock-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (!child.pid) throw new Error('could not spawn node');
  return child.pid;
}

describe('acquireDataDirLock', () => {
  test('writes the owner pid, and release removes the file', () => {
    const dir = dataDir();
    const lock = acquireDataDirLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release();
  });

  test('refuses a data dir whose lock belongs to a live process, naming its pid', () => {
    const dir = dataDir();
    // The test runner's parent process is alive for the whole test.
    const owner = process.ppid;
    writeFileSync(join(dir, LOCK_FILE_NAME), `${owner}\n`);
    let error: unknown;
    try {
      acquireDataDirLock(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as DataDirInUseError).pid).toBe(owner);
    expect((error as Error).message).toContain(`pid ${owner}`);
    expect(readFileSync(join(dir, LOCK_FILE_NAME), 'utf8').trim()).toBe(String(owner));
  });

  test('takes over a stale lock left by a dead process, or an empty one', () => {
    for (const stale of [`${deadPid()}\n`, '']) {
      const dir = dataDir();
      writeFileSync(join(dir, LOCK_FILE_NAME), stale);
      const lock = acquireDataDirLock(dir);
      expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.pid));
      lock.release();
    }
  });

  test('release leaves a lock that another process has taken since', () => {
    const dir = dataDir();
    const lock = acquireDataDirLock(dir);
    writeFileSync(lock.path, `${process.ppid}\n`);
    lock.release();
    expect(readFileSync(lock.path, 'utf8').trim()).toBe(String(process.ppid));
  });
});
