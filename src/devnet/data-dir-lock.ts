import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The file in a data dir that says which process uses it: its pid, as decimal text. */
export const LOCK_FILE_NAME = 'stablegate.lock';

/** Another live process holds the data dir: two devnets on one chain state and database would corrupt both. */
export class DataDirInUseError extends Error {
  readonly pid: number;
  constructor(dataDir: string, pid: number) {
    super(
      `data dir ${dataDir} is in use by another stablegate dev (pid ${pid}); stop it or choose another --data-dir`,
    );
    this.name = 'DataDirInUseError';
    this.pid = pid;
  }
}

export type DataDirLock = {
  path: string;
  /** Removes the lock file if it is still ours; safe to call more than once, and synchronous so an exit handler can. */
  release(): void;
};

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Takes `<dataDir>/stablegate.lock` for this process. The file is created with O_EXCL ('wx'), so of
 * two processes starting at once exactly one wins. A lock left by a dead process (a SIGKILL, a
 * crash) is taken over; an unreadable or empty one is too, since its writer died mid-write.
 */
export function acquireDataDirLock(dataDir: string, pid: number = process.pid): DataDirLock {
  const path = join(dataDir, LOCK_FILE_NAME);
  // Two rounds: the second follows the removal of a stale lock, and loses to whoever got there first.
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      if (owner !== null && owner !== pid && isAlive(owner)) throw new DataDirInUseError(dataDir, owner);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${pid}\n`);
    closeSync(fd);
    return {
      path,
      release: () => {
        if (readOwner(path) === pid) rmSync(path, { force: true });
      },
    };
  }
  throw new DataDirInUseError(dataDir, readOwner(path) ?? 0);
}
