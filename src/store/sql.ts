/**
 * The store's one vocabulary for SQL, shared by both engines. A store step is a generator that
 * yields its queries and receives their results: `const row = yield* query<Row>(SQL).get(id)`.
 * The engine that runs the step decides how: SQLite answers each query synchronously, so a whole
 * step runs inside one `BEGIN IMMEDIATE` without any await (SPEC "Data safety"); PostgreSQL
 * answers over the network inside a real transaction, and can run the step again from the start
 * after a serialization failure. The step's code, its rules and its SQL are written once.
 *
 * SQL is written for both engines: `?` for positional parameters or `@name` with one object of
 * named ones (PostgreSQL's engine rewrites both to `$n`), and only what both understand: an
 * optional filter is `(CAST(@x AS TEXT) IS NULL OR col = @x)`, since PostgreSQL cannot type a
 * parameter first met in `IS NULL`; columns of an upsert's DO UPDATE carry their table's name. Where
 * the engines differ, a query names each engine's text: `query({ sqlite: …, postgres: … })`; an
 * engine whose text is left out skips the query (`get` gives undefined, `run` no changes).
 */

/** A query's SQL: the same text for both engines, or each engine's own (absent: skipped there). */
export type SqlText = string | { sqlite?: string; postgres?: string };

export type Query = {
  sql: SqlText;
  /** Positional values, or one object of named values for `@name` parameters. */
  params: readonly unknown[];
  /** get: the first row; all: every row; run: changes only; pluck/pluckAll: the first column. */
  mode: 'get' | 'all' | 'run' | 'pluck' | 'pluckAll';
};

/** The result of a `run`: how many rows it inserted, updated or deleted. */
export type RunResult = { changes: number };

/** A store step: yields queries, returns T. Run it with `store.read` or `store.write`. */
export type Sql<T> = Generator<Query, T, unknown>;

/** A step's factory, called afresh for every attempt (PostgreSQL retries a serialization failure). */
export type Step<A extends unknown[], T> = (...args: A) => Sql<T>;

export type Statement<Row> = {
  get(...params: unknown[]): Sql<Row | undefined>;
  all(...params: unknown[]): Sql<Row[]>;
  run(...params: unknown[]): Sql<RunResult>;
};

export type PluckStatement<Value> = {
  get(...params: unknown[]): Sql<Value | undefined>;
  all(...params: unknown[]): Sql<Value[]>;
};

// The one place a row type is taken on trust: the columns are known to the caller's SQL only.
function* ask<T>(sql: SqlText, params: readonly unknown[], mode: Query['mode']): Sql<T> {
  return (yield { sql, params, mode }) as T;
}

/**
 * A query whose rows have the shape `Row` (the SQL's column names, snake_case as in the schema).
 * Integers come back as numbers and TEXT as strings on both engines (amounts are TEXT).
 */
export function query<Row = unknown>(sql: SqlText): Statement<Row> {
  return {
    get: (...params) => ask<Row | undefined>(sql, params, 'get'),
    all: (...params) => ask<Row[]>(sql, params, 'all'),
    run: (...params) => ask<RunResult>(sql, params, 'run'),
  };
}

/** A query that selects one column: `get` gives its value (undefined without a row), `all` the list. */
export function pluck<Value>(sql: SqlText): PluckStatement<Value> {
  return {
    get: (...params) => ask<Value | undefined>(sql, params, 'pluck'),
    all: (...params) => ask<Value[]>(sql, params, 'pluckAll'),
  };
}

/** The text of `sql` for `engine`, or null when that engine skips the query. */
export function sqlFor(sql: SqlText, engine: 'sqlite' | 'postgres'): string | null {
  if (typeof sql === 'string') return sql;
  return sql[engine] ?? null;
}

/**
 * `select` with its rows locked until commit on PostgreSQL, for a step that reads what it then
 * changes: concurrent writers wait their turn there. `FOR NO KEY UPDATE`, not `FOR UPDATE`: the
 * key-share locks that other transactions' foreign keys take on the same row (an idempotency key
 * or an invoice naming the merchant) must not conflict with it, or each creation deadlocks with
 * the next (docs/benchmarks.md §7). SQLite has one writer at a time already, and no such clause.
 */
export function forUpdate(select: string): SqlText {
  return { sqlite: select, postgres: `${select} FOR NO KEY UPDATE` };
}

/** What a query left out for the running engine answers: nothing. */
export function skipped(mode: Query['mode']): unknown {
  if (mode === 'run') return { changes: 0 } satisfies RunResult;
  if (mode === 'all' || mode === 'pluckAll') return [];
  return undefined;
}
