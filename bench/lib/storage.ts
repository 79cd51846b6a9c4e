import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * Where a benchmark's SQLite file lives. The same scenario on the disk and on tmpfs, side by
 * side, separates what durable commits (fsync, `synchronous=FULL`) cost from everything else:
 * on tmpfs an fsync returns at once. tmpfs is a measuring device here, never a deployment.
 */
export type Storage = { name: 'disk' | 'tmpfs'; label: string; dir: string };

export function storages(): Storage[] {
  const list: Storage[] = [{ name: 'disk', label: `disk (${tmpdir()})`, dir: tmpdir() }];
  try {
    accessSync('/dev/shm', constants.W_OK);
    list.push({ name: 'tmpfs', label: 'tmpfs (/dev/shm, fsync free)', dir: '/dev/shm' });
  } catch {
    // No tmpfs here: the disk figures stand alone.
  }
  return list;
}
