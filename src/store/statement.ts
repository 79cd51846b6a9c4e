import type Database from 'better-sqlite3';

// Database.Database is db.ts's Db; named here directly so that db.ts and the migrations it runs can use this module.
type Db = Database.Database;

/**
 * A compiled statement shared by every caller of the same SQL on a connection. Its modes
 * (`pluck`, `raw`, `expand`, `safeIntegers`) are left out of the type: set on a shared object
 * they would change what every other caller reads. A single column comes from `pluckStatement`.
 */
export type SharedStatement<Row, Params extends unknown[] = unknown[]> = Omit<
  Database.Statement<Params, Row>,
  'pluck' | 'raw' | 'expand' | 'safeIntegers'
>;

type Cache = { rows: Map<string, Database.Statement>; values: Map<string, Database.Statement> };

const caches = new WeakMap<Db, Cache>();

function cacheOf(db: Db): Cache {
  let cache = caches.get(db);
  if (!cache) {
    cache = { rows: new Map(), values: new Map() };
    caches.set(db, cache);
  }
  return cache;
}

/**
 * The connection's statement for `sql`, compiled on first use. Compiling SQL costs more than
 * running most of our statements, and store functions run the same few SQL texts over and over:
 * compiled once per connection, keyed by the text. Our SQL strings are constants (or a handful of
 * filter combinations), so the cache stays small. `Row` is the shape the SQL selects (its column
 * names, snake_case as in the schema), which better-sqlite3 cannot infer: the store's row mappers
 * take it from there.
 */
export function statement<Row = unknown, Params extends unknown[] = unknown[]>(
  db: Db,
  sql: string,
): SharedStatement<Row, Params> {
  const { rows } = cacheOf(db);
  let compiled = rows.get(sql);
  if (!compiled) {
    compiled = db.prepare(sql);
    rows.set(sql, compiled);
  }
  // The one place a row type is taken on trust: SQLite's columns are known to the caller's SQL only.
  return compiled as Database.Statement<Params, Row>;
}

/**
 * Like `statement`, for SQL that selects one column: `get` gives its value (undefined without a
 * row), `all` the list of values. Cached apart from `statement`, so the same SQL text is safe in
 * both modes.
 */
export function pluckStatement<Value, Params extends unknown[] = unknown[]>(
  db: Db,
  sql: string,
): SharedStatement<Value, Params> {
  const { values } = cacheOf(db);
  let compiled = values.get(sql);
  if (!compiled) {
    compiled = db.prepare(sql).pluck();
    values.set(sql, compiled);
  }
  return compiled as Database.Statement<Params, Value>;
}
