import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from './db.ts';
import { createGroupCommit } from './group-commit.ts';

let dir: string;
let db: Db;
let other: Db;

function count(connection: Db): number {
  return (connection.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stablegate-group-commit-'));
  db = openDatabase(join(dir, 'test.db'), { migrate: false });
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, data BLOB)');
  other = openDatabase(join(dir, 'test.db'), { migrate: false });
});

afterEach(() => {
  db.close();
  other.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createGroupCommit', () => {
  it('applies writes queued together in one transaction, answered after it commits', async () => {
    const writes = createGroupCommit(db);
    const seen: { own: number; committed: number }[] = [];
    const runs = Array.from({ length: 100 }, (_, i) =>
      writes.run(() => {
        db.prepare('INSERT INTO items (label) VALUES (?)').run(`item-${i}`);
        // Another connection sees only committed rows: none of this group's yet.
        seen.push({ own: count(db), committed: count(other) });
        return i;
      }),
    );
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seen.at(-1)).toEqual({ own: 100, committed: 0 });
    expect(count(other)).toBe(100);
  });

  it('rolls back a failing write alone; the others in its group commit', async () => {
    const writes = createGroupCommit(db);
    const insert = (label: string) => () => {
      db.prepare('INSERT INTO items (label) VALUES (?)').run(`${label}-first-row`);
      db.prepare('INSERT INTO items (label) VALUES (?)').run(label);
    };
    const results = await Promise.allSettled([
      writes.run(insert('a')),
      writes.run(insert('a')), // its second row violates UNIQUE; its first row must go too
      writes.run(insert('b')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(other.prepare('SELECT label FROM items ORDER BY id').pluck().all()).toEqual([
      'a-first-row',
      'a',
      'b-first-row',
      'b',
    ]);
  });

  it("commits nothing of a group when a failed write's own writes cannot be undone", async () => {
    const writes = createGroupCommit(db);
    const results = await Promise.allSettled([
      writes.run(() => db.prepare('INSERT INTO items (label) VALUES (?)').run('before')),
      writes.run(() => {
        db.prepare('INSERT INTO items (label) VALUES (?)').run('half-written');
        // Its savepoint is gone, so undoing this write alone fails: its row would commit with the
        // group. (Here the write drops it itself; an I/O error can do the same.)
        db.prepare('RELEASE group_write').run();
        throw new Error('failed after writing');
      }),
      writes.run(() => db.prepare('INSERT INTO items (label) VALUES (?)').run('after')),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(count(other)).toBe(0);
    expect(db.inTransaction).toBe(false);
    // The next group starts clean.
    await writes.run(() => db.prepare('INSERT INTO items (label) VALUES (?)').run('next'));
    expect(other.prepare('SELECT label FROM items').pluck().all()).toEqual(['next']);
  });

  it('waits for a lock held by another connection without blocking the event loop', async () => {
    const writes = createGroupCommit(db, { busyTimeoutMs: 5000 });
    other.prepare('BEGIN IMMEDIATE').run();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const pending = writes.run(() => db.prepare("INSERT INTO items (label) VALUES ('waited')").run().changes);
    await new Promise((resolve) => setTimeout(resolve, 200));
    other.prepare('COMMIT').run();
    expect(await pending).toBe(1);
    clearInterval(ticker);
    // With SQLite's busy handler the loop would have slept through the whole wait.
    expect(ticks).toBeGreaterThan(5);
    expect(count(other)).toBe(1);
  });

  it('refuses as busy and writes nothing once the lock is held past the busy timeout', async () => {
    const writes = createGroupCommit(db, { busyTimeoutMs: 100 });
    other.prepare('BEGIN IMMEDIATE').run();
    const pending = writes.run(() => db.prepare("INSERT INTO items (label) VALUES ('late')").run());
    await expect(pending).rejects.toMatchObject({ code: 'database_busy', cause: { code: 'SQLITE_BUSY' } });
    // The shared connection keeps its own busy timeout for its other, synchronous writers.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    other.prepare('COMMIT').run();
    expect(count(other)).toBe(0);
    // The queue is usable again once the lock is free.
    await writes.run(() => db.prepare("INSERT INTO items (label) VALUES ('after')").run());
    expect(count(other)).toBe(1);
  });

  it('refuses an async write, whose later part would escape the transaction', async () => {
    const writes = createGroupCommit(db);
    await expect(writes.run(async () => undefined)).rejects.toThrow(/synchronous/);
  });

  it('on a full disk, rejects the write that did not fit and leaves no part of it', async () => {
    const writes = createGroupCommit(db);
    await writes.run(() => db.prepare("INSERT INTO items (label) VALUES ('before')").run());
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1}`);
    const results = await Promise.allSettled([
      writes.run(() => db.prepare("INSERT INTO items (label) VALUES ('small')").run()),
      writes.run(() => {
        db.prepare("INSERT INTO items (label) VALUES ('big-marker')").run();
        db.prepare("INSERT INTO items (label, data) VALUES ('big', zeroblob(1000000))").run();
      }),
    ]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'storage_full',
      cause: { code: 'SQLITE_FULL' },
    });
    const labels = other.prepare('SELECT label FROM items ORDER BY id').pluck().all();
    expect(labels).not.toContain('big-marker');
    // The small write either committed (SQLite undid the statement alone) or was rejected with
    // the group (SQLite undid the transaction); never committed without its caller knowing.
    expect(labels.includes('small')).toBe(results[0].status === 'fulfilled');
  });
});
