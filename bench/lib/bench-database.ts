import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * The PostgreSQL server the benchmarks use: the local one, trust authentication as `postgres`
 * (BENCH_POSTGRES_URL names another). Never an existing database: each run creates its own.
 */
export const BENCH_POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type BenchDatabase = { name: string; url: string; drop(): Promise<void> };

/**
 * A new, empty database with a unique name on the bench server, and its URL. `drop` removes it
 * even while connections to it are still open (`WITH (FORCE)`, PostgreSQL 13+).
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `stablegate_bench_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await onServer((sql) => sql`CREATE DATABASE ${sql(name)}`);
  const url = new URL(BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer((sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`),
  };
}

/** A connection to the server's maintenance database, for what is done from outside the bench database. */
export function connectToServer(): postgres.Sql {
  return postgres(BENCH_POSTGRES_URL, {
    max: 1,
    onnotice: () => {},
    fetch_types: false,
    connect_timeout: 5,
    connection: { application_name: 'stablegate-bench-meter' },
  });
}

async function onServer(run: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = connectToServer();
  try {
    await run(sql);
  } finally {
    await sql.end();
  }
}
