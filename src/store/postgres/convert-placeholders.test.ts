import { describe, expect, it } from 'vitest';
import { bindParameters, convertPlaceholders } from './convert-placeholders.ts';

describe('convertPlaceholders', () => {
  it.each([
    ['SELECT 1', 'SELECT 1', null, 0],
    ['SELECT * FROM t WHERE a = ? AND b = ?', 'SELECT * FROM t WHERE a = $1 AND b = $2', null, 2],
    ['INSERT INTO t VALUES (?,?,?)', 'INSERT INTO t VALUES ($1,$2,$3)', null, 3],
    ['UPDATE t SET a = @a WHERE id = @id', 'UPDATE t SET a = $1 WHERE id = $2', ['a', 'id'], 0],
    // A name used twice keeps its number.
    [
      'SET a = @now, b = coalesce(@x, b), c = @now',
      'SET a = $1, b = coalesce($2, b), c = $1',
      ['now', 'x'],
      0,
    ],
    ['WHERE chain_id = @chainId_2', 'WHERE chain_id = $1', ['chainId_2'], 0],
    // Marks inside strings, identifiers and comments are text.
    ["SELECT '?', 'it''s @x ?', ? FROM t", "SELECT '?', 'it''s @x ?', $1 FROM t", null, 1],
    ['SELECT "we?ird", "a""@b" FROM t WHERE c = ?', 'SELECT "we?ird", "a""@b" FROM t WHERE c = $1', null, 1],
    [
      'SELECT ? -- is it ? or @x\nFROM t WHERE a = ?',
      'SELECT $1 -- is it ? or @x\nFROM t WHERE a = $2',
      null,
      2,
    ],
    ['SELECT ? /* ? @x */ , ?', 'SELECT $1 /* ? @x */ , $2', null, 2],
    ['SELECT a - -1 FROM t -- trailing ?', 'SELECT a - -1 FROM t -- trailing ?', null, 0],
    // PostgreSQL's @ operators and a lone @ are not parameters.
    [
      "SELECT '{1}'::int[] <@ a, a @> b, @ -5 FROM t",
      "SELECT '{1}'::int[] <@ a, a @> b, @ -5 FROM t",
      null,
      0,
    ],
    ['SELECT x::text FROM t WHERE y = @y', 'SELECT x::text FROM t WHERE y = $1', ['y'], 0],
  ])('%j → %j', (sql, text, names, positional) => {
    expect(convertPlaceholders(sql)).toEqual({ text, names, positional });
  });

  it.each([
    ['SELECT ? FROM t WHERE a = @a', /mixes/],
    ["SELECT 'open", /unterminated string/],
    ['SELECT "open', /unterminated identifier/],
    ['SELECT /* open', /unterminated comment/],
    ['SELECT ?1', /numbered/],
  ])('refuses %j', (sql, message) => {
    expect(() => convertPlaceholders(sql)).toThrow(message);
  });

  it('converts a text once', () => {
    expect(convertPlaceholders('SELECT ? AS once')).toBe(convertPlaceholders('SELECT ? AS once'));
  });
});

describe('bindParameters', () => {
  it('orders named values by their numbers and ignores extra keys', () => {
    const converted = convertPlaceholders('UPDATE t SET a = @a, b = @b WHERE id = @id AND a <> @a');
    expect(bindParameters(converted, [{ id: 'x', b: null, a: 1, extra: true }])).toEqual([1, null, 'x']);
  });

  it('sends a bigint as its decimal text and keeps buffers', () => {
    const converted = convertPlaceholders('INSERT INTO t VALUES (?, ?, ?)');
    const buffer = Buffer.from([1, 2]);
    expect(bindParameters(converted, [2n ** 64n, buffer, 1.5])).toEqual([
      '18446744073709551616',
      buffer,
      1.5,
    ]);
  });

  it.each([
    ['SELECT ?', [], /1 parameter\(s\) expected, 0 given/],
    ['SELECT ?', [1, 2], /1 parameter\(s\) expected, 2 given/],
    ['SELECT @a', [{}], /missing named parameter "a"/],
    ['SELECT @a', [1], /one object/],
    ['SELECT @a', [{ a: 1 }, { a: 2 }], /one object/],
    ['SELECT ?', [true], /can only bind/],
    ['SELECT ?', [undefined], /can only bind/],
    ['SELECT @a', [{ a: { b: 1 } }], /can only bind/],
  ])('refuses %j with %j', (sql, params, message) => {
    expect(() => bindParameters(convertPlaceholders(sql), params)).toThrow(message);
  });
});
