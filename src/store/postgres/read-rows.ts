/** PostgreSQL's type oid for BIGINT (int8), which the driver leaves as text. */
const INT8_OID = 20;

/** What the driver answers (its Result: an array with the columns' descriptions, none after a write). */
type Answer<Row> = readonly Row[] & { columns?: readonly { name: string; type: number }[] | null };

/**
 * Rows as better-sqlite3 gives them, so a step reads the same values on both engines: BIGINT
 * columns (every INTEGER of the schema, `count(*)`) as numbers. The driver already gives INTEGER
 * and floats as numbers, NUMERIC and TEXT as strings, BYTEA as Buffer. A BIGINT past 2^53 has no
 * exact number: it is refused, never rounded (amounts are TEXT and never get here). `limit`: the
 * first rows only (`get` reads one).
 */
export function readRows(
  result: Answer<Record<string, unknown>>,
  limit = result.length,
): Record<string, unknown>[] {
  const rows = result.slice(0, limit);
  const int8 = (result.columns ?? [])
    .filter((column) => column.type === INT8_OID)
    .map((column) => column.name);
  if (int8.length === 0) return rows;
  return rows.map((row) => {
    for (const name of int8) row[name] = toSafeInteger(row[name], name);
    return row;
  });
}

/** The first column of each row (`pluck`), read as `readRows` reads it. */
export function readFirstColumn(result: Answer<readonly unknown[]>): unknown[] {
  const first = result.columns?.[0];
  if (first === undefined) return [];
  const values = result.map((row) => row[0]);
  return first.type === INT8_OID ? values.map((value) => toSafeInteger(value, first.name)) : values;
}

function toSafeInteger(value: unknown, column: string): unknown {
  if (value === null) return null;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new RangeError(`column ${column} holds ${String(value)}, past the integers a number holds exactly`);
  }
  return number;
}
