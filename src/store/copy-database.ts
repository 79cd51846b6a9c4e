import { createHash } from 'node:crypto';
import { BaseError } from '../domain/errors.ts';
import { pluck, query, type Sql } from './sql.ts';
import type { Store } from './store.ts';

/**
 * Every table, parents before children (foreign keys), with the columns that order its rows the
 * same way on both engines (PostgreSQL's TEXT columns are `COLLATE "C"`, SQLite's binary).
 * A table missing here is refused by `copyDatabase`, so a migration that adds one must add it.
 */
const TABLES = [
  { name: 'merchants', key: 'id' },
  { name: 'api_keys', key: 'id' },
  { name: 'invoices', key: 'rowid' },
  { name: 'transfers', key: 'id' },
  { name: 'webhook_endpoints', key: 'id' },
  { name: 'sweeps', key: 'id' },
  { name: 'sweep_addresses', key: 'sweep_id, deposit_address' },
  { name: 'sweep_flushes', key: 'sweep_id, log_index' },
  { name: 'events', key: 'id' },
  { name: 'deliveries', key: 'id' },
  { name: 'delivery_attempts', key: 'id' },
  { name: 'idempotency_keys', key: 'merchant_id, key' },
  { name: 'chain_cursors', key: 'chain_id' },
  { name: 'chain_blocks', key: 'chain_id, number' },
] as const;

/** Rows per read and per write transaction: one page of a large table in memory at a time. */
const PAGE_ROWS = 2_000;
/** Rows per INSERT statement (PostgreSQL allows 65,535 parameters; the widest table has ~30 columns). */
const INSERT_ROWS = 100;

export class DatabaseCopyError extends BaseError {
  constructor(message: string) {
    super('database_copy_failed', message);
  }
}

type Row = Record<string, unknown>;

export type CopyReport = { tables: { name: string; rows: number; digest: string }[] };

/**
 * Copies every row of `from` into `to` (an empty, migrated database at the same schema version),
 * then verifies the copy row for row: each table's row count and a digest of its rows in key
 * order must be equal on both sides. The gateway must be stopped meanwhile (nothing writes to
 * `from`). Pages are written in transactions of their own: if the copy fails, `to` is emptied
 * again, so it can simply be run once more.
 */
export async function copyDatabase(from: Store, to: Store): Promise<CopyReport> {
  const [fromVersion, toVersion] = [await from.read(schemaVersion), await to.read(schemaVersion)];
  if (fromVersion !== toVersion) {
    throw new DatabaseCopyError(
      `the source is at schema version ${fromVersion}, the target at ${toVersion}: run \`stablegate migrate\` on both first`,
    );
  }
  const unknown = (await from.read(listTables)).filter(
    (table) => !TABLES.some((known) => known.name === table),
  );
  if (unknown.length > 0)
    throw new DatabaseCopyError(`tables this release cannot copy: ${unknown.join(', ')}`);
  for (const table of TABLES) {
    if ((await to.read(countRows, table.name)) > 0) {
      throw new DatabaseCopyError(`the target is not empty (table ${table.name} has rows)`);
    }
  }
  try {
    for (const table of TABLES) await copyTable(from, to, table);
    await to.write(resetCounters);
    const report: CopyReport = { tables: [] };
    for (const table of TABLES) {
      const [source, target] = [await digestTable(from, table), await digestTable(to, table)];
      if (source.rows !== target.rows || source.digest !== target.digest) {
        throw new DatabaseCopyError(
          `table ${table.name} differs after the copy: ${source.rows} rows (${source.digest}) in the source, ${target.rows} (${target.digest}) in the target`,
        );
      }
      report.tables.push({ name: table.name, ...source });
    }
    return report;
  } catch (error) {
    await to.write(emptyTables);
    throw error;
  }
}

function* schemaVersion(): Sql<number> {
  const version = yield* pluck<number>({
    sqlite: 'PRAGMA user_version',
    postgres: 'SELECT version FROM schema_version',
  }).get();
  return version ?? 0;
}

function* listTables(): Sql<string[]> {
  return yield* pluck<string>({
    sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    postgres:
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT IN ('schema_version', 'store_counters')",
  }).all();
}

function* countRows(table: string): Sql<number> {
  return (yield* pluck<number>(`SELECT count(*) FROM ${table}`).get()) ?? 0;
}

/** SQLite's `SELECT *` leaves the implicit rowid out; PostgreSQL's invoices have it as a column. */
function selectAll(table: (typeof TABLES)[number]): { sqlite: string; postgres: string } {
  const columns = table.name === 'invoices' ? 'rowid, *' : '*';
  return {
    sqlite: `SELECT ${columns} FROM ${table.name} ORDER BY ${table.key} LIMIT ? OFFSET ?`,
    postgres: `SELECT * FROM ${table.name} ORDER BY ${table.key} LIMIT ? OFFSET ?`,
  };
}

function* readPage(table: (typeof TABLES)[number], offset: number): Sql<Row[]> {
  return yield* query<Row>(selectAll(table)).all(PAGE_ROWS, offset);
}

function* insertRows(table: string, rows: readonly Row[]): Sql<void> {
  for (let start = 0; start < rows.length; start += INSERT_ROWS) {
    const chunk = rows.slice(start, start + INSERT_ROWS);
    const columns = Object.keys(chunk[0] as Row);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    yield* query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`,
    ).run(...chunk.flatMap((row) => columns.map((column) => row[column])));
  }
}

async function copyTable(from: Store, to: Store, table: (typeof TABLES)[number]): Promise<void> {
  for (let offset = 0; ; offset += PAGE_ROWS) {
    const rows = await from.read(readPage, table, offset);
    if (rows.length > 0) await to.write(insertRows, table.name, rows);
    if (rows.length < PAGE_ROWS) return;
  }
}

/**
 * A digest of a table's rows in key order, each value in one canonical text (integers and text as
 * they are, bytes as hex, null as a mark no text can be): equal digests, equal rows.
 */
async function digestTable(
  store: Store,
  table: (typeof TABLES)[number],
): Promise<{ rows: number; digest: string }> {
  const hash = createHash('sha256');
  let rows = 0;
  for (let offset = 0; ; offset += PAGE_ROWS) {
    const page = await store.read(readPage, table, offset);
    for (const row of page) {
      const columns = Object.keys(row).sort();
      hash.update(JSON.stringify(columns.map((column) => [column, canonical(row[column])])));
      hash.update('\n');
    }
    rows += page.length;
    if (page.length < PAGE_ROWS) return { rows, digest: hash.digest('hex').slice(0, 16) };
  }
}

function canonical(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  return String(value);
}

/** After rows came in with their own keys: the sequences and counters continue after them. */
function* resetCounters(): Sql<void> {
  for (const table of ['invoices', 'events', 'deliveries', 'sweeps']) {
    yield* query({
      postgres: `SELECT setval('${table}_seq', (SELECT coalesce(max(seq), 0) + 1 FROM ${table}), false)`,
    }).get();
  }
  for (const table of ['transfers', 'delivery_attempts']) {
    yield* query({
      postgres: `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`,
    }).get();
  }
  yield* query({
    postgres:
      "UPDATE store_counters SET value = (SELECT coalesce(max(rowid), 0) FROM invoices) WHERE name = 'invoice_rowid'",
  }).run();
}

function* emptyTables(): Sql<void> {
  for (const table of [...TABLES].reverse()) yield* query(`DELETE FROM ${table.name}`).run();
}
