import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The disk's ceiling for what stablegate does per request or per settlement: one small
 * `BEGIN IMMEDIATE … COMMIT` in WAL mode with synchronous=FULL (an fsync of the WAL per commit),
 * on the same filesystem as the benchmark's database, for `durationMs`. Returns commits/s.
 */
export function measureCommitRate(
  durationMs = 3_000,
  baseDir = tmpdir(),
): { commitsPerSecond: number; msPerCommit: number } {
  const dir = mkdtempSync(join(baseDir, 'stablegate-bench-commit-'));
  const db = new Database(join(dir, 'probe.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const commit = db.transaction((value: string) => insert.run(value));
    const started = performance.now();
    let commits = 0;
    while (performance.now() - started < durationMs) {
      commit.immediate('x'.repeat(200));
      commits++;
    }
    const ms = performance.now() - started;
    return { commitsPerSecond: (commits * 1000) / ms, msPerCommit: ms / commits };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
