/**
 * The store's SQL marks parameters as SQLite does (sql.ts): `?` in order, or `@name` with one
 * object of values. PostgreSQL numbers them: `$1`, `$2`… This rewrites a text once (cached by
 * text: the store's SQL is a small set of constants) and says how to order a step's values.
 *
 * Only marks in SQL proper are parameters: a `?` or `@x` inside a '…' string, a "…" identifier,
 * a `--` line comment or a block comment is text. `@` followed by no name (PostgreSQL's `@>`,
 * `<@`, `@ x`) is an operator. Dollar-quoted and E'…' strings are PostgreSQL's own and never in a
 * text shared with SQLite; a `postgres:` text that needs them writes `$n` itself (no `?`, no `@`).
 */
export type PostgresText = {
  text: string;
  /** `@name` parameters, in `$n` order (a repeated name keeps its first number); null for `?`. */
  names: readonly string[] | null;
  /** How many `?` marks (0 with names). */
  positional: number;
};

const cache = new Map<string, PostgresText>();

export function convertPlaceholders(sql: string): PostgresText {
  let converted = cache.get(sql);
  if (converted === undefined) {
    converted = convert(sql);
    cache.set(sql, converted);
  }
  return converted;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

function convert(sql: string): PostgresText {
  let text = '';
  let positional = 0;
  const names: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const char = sql[i] as string;
    const next = sql[i + 1];
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, i, char);
      text += sql.slice(i, end);
      i = end;
    } else if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new SyntaxError(`unterminated comment in SQL: ${sql}`);
      text += sql.slice(i, end + 2);
      i = end + 2;
    } else if (char === '?') {
      // SQLite's numbered `?NNN` would silently mean something else here.
      if (next !== undefined && /[0-9]/.test(next))
        throw new SyntaxError(`numbered ?NNN parameters are not supported: ${sql}`);
      positional += 1;
      text += `$${positional}`;
      i += 1;
    } else if (char === '@' && next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < sql.length && NAME_PART.test(sql[end] as string)) end += 1;
      const name = sql.slice(i + 1, end);
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      text += `$${index + 1}`;
      i = end;
    } else {
      text += char;
      i += 1;
    }
  }
  if (positional > 0 && names.length > 0) throw new SyntaxError(`SQL mixes ? and @name parameters: ${sql}`);
  return { text, names: names.length > 0 ? names : null, positional };
}

/** The index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  throw new SyntaxError(`unterminated ${quote === "'" ? 'string' : 'identifier'} in SQL: ${sql}`);
}

/**
 * A step's values in `$n` order, each as the driver sends it. Checked as better-sqlite3 checks
 * them, so a step that runs on one engine binds on the other: as many values as `?` marks, or one
 * object holding every `@name`; numbers, strings, bigints, buffers and null only. A bigint goes
 * as its decimal text (PostgreSQL parses it into the column's type, BIGINT or TEXT).
 */
export function bindParameters(converted: PostgresText, params: readonly unknown[]): unknown[] {
  if (converted.names !== null) {
    const [values] = params;
    if (params.length !== 1 || typeof values !== 'object' || values === null || Buffer.isBuffer(values)) {
      throw new TypeError(`named parameters take one object of values: ${converted.text}`);
    }
    return converted.names.map((name) => {
      if (!Object.hasOwn(values, name)) throw new RangeError(`missing named parameter "${name}"`);
      return bindable((values as Record<string, unknown>)[name]);
    });
  }
  if (params.length !== converted.positional) {
    throw new RangeError(
      `${converted.positional} parameter(s) expected, ${params.length} given: ${converted.text}`,
    );
  }
  return params.map(bindable);
}

function bindable(value: unknown): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`can only bind numbers, strings, bigints, buffers and null, not ${typeof value}`);
}
