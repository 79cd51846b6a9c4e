import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pluckStatement, statement } from './statement.ts';

let db: Database.Database;

beforeEach(() => {
  db = new Database(':memory:');
  db.exec(
    "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT); INSERT INTO items (label) VALUES ('a'), ('b')",
  );
});
afterEach(() => {
  db.close();
});

describe('statement', () => {
  it('compiles a SQL text once per connection', () => {
    const sql = 'SELECT label FROM items WHERE id = ?';
    expect(statement(db, sql)).toBe(statement(db, sql));
    const other = new Database(':memory:');
    try {
      other.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)');
      expect(statement(other, sql)).not.toBe(statement(db, sql));
    } finally {
      other.close();
    }
  });

  it('reads rows and single values of the same SQL text without one mode leaking into the other', () => {
    const sql = 'SELECT label FROM items ORDER BY id';
    expect(pluckStatement<string>(db, sql).all()).toEqual(['a', 'b']);
    expect(statement<{ label: string }>(db, sql).all()).toEqual([{ label: 'a' }, { label: 'b' }]);
    expect(pluckStatement<string>(db, sql).get()).toBe('a');
  });

  it('leaves db.prepare as better-sqlite3 made it', () => {
    const sql = 'SELECT label FROM items WHERE id = 1';
    statement(db, sql);
    expect(db.prepare(sql)).not.toBe(statement(db, sql));
    expect(db.prepare(sql).get()).toEqual({ label: 'a' });
  });
});
