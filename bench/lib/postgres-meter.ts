import { type BenchDatabase, connectToServer } from './bench-database.ts';
import { every } from './poll.ts';
import { cpuSeconds, parentPid, treeCpuSeconds } from './proc-stats.ts';

/** The bench's own connections to its database (seeding, checks) carry this name and are not measured. */
export const BENCH_APPLICATION_NAME = 'stablegate-bench';

/** The bench's own URL for a database: its connections named so the meter leaves them out. */
export function benchConnectionUrl(database: BenchDatabase): string {
  const url = new URL(database.url);
  url.searchParams.set('application_name', BENCH_APPLICATION_NAME);
  return url.toString();
}

export type PostgresCpuReading = {
  /** CPU seconds so far of each server process attached to the database (client backends, autovacuum). */
  backends: Map<number, number>;
  /** CPU seconds so far of the whole server: postmaster, every backend, WAL writer, checkpointer… */
  server: number;
  /** The database's transactions so far (pg_stat_database), flushed by each backend at most once a second. */
  transactions: TransactionCounts;
};

export type TransactionCounts = { commits: number; rollbacks: number; deadlocks: number };

/** What the database's backends were doing, as a mean number of backends per sample. */
export type ActivitySummary = {
  samples: number;
  /** Executing a statement, not waiting on anything. */
  running: number;
  /** Waiting on a heavyweight lock: a row another transaction holds until it commits. */
  lockWait: number;
  /** Waiting on I/O or an internal lock (WAL flush at commit, buffer pages). */
  ioWait: number;
  /** Inside a transaction, waiting for the gateway to send its next statement or COMMIT. */
  idleInTransaction: number;
  idle: number;
  /** The most frequent `state/wait event` pairs, with their mean counts. */
  top: [string, number][];
};

export type PostgresMeter = {
  read(): Promise<PostgresCpuReading>;
  /** Samples the database's backends every `intervalMs` until `stop`. */
  sampleActivity(intervalMs: number): { stop(): Promise<ActivitySummary> };
  close(): Promise<void>;
};

type ActivityRow = {
  pid: number;
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
};

/**
 * CPU and activity of the PostgreSQL server processes that serve `database`, read from
 * pg_stat_activity (which processes) and /proc (their CPU): the server runs on the same 2 cores
 * as the gateway, so its time is part of each operation's cost. Needs the server on this host;
 * elsewhere every reading is NaN.
 */
export async function createPostgresMeter(database: BenchDatabase): Promise<PostgresMeter> {
  const sql = connectToServer();
  const [own] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  // Every backend is a child of the postmaster, ours included.
  const postmaster = own ? parentPid(own.pid) : Number.NaN;
  const attached = () => sql<ActivityRow[]>`
    SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity
     WHERE datname = ${database.name} AND application_name <> ${BENCH_APPLICATION_NAME}`;
  return {
    async read() {
      const rows = await attached();
      const [counts] = await sql<TransactionCounts[]>`
        SELECT xact_commit::float8 AS commits, xact_rollback::float8 AS rollbacks, deadlocks::float8 AS deadlocks
          FROM pg_stat_database WHERE datname = ${database.name}`;
      return {
        backends: new Map(rows.map((row) => [row.pid, cpuSeconds(row.pid)])),
        server: treeCpuSeconds(postmaster),
        transactions: counts ?? { commits: Number.NaN, rollbacks: Number.NaN, deadlocks: Number.NaN },
      };
    },
    sampleActivity(intervalMs) {
      const counts = new Map<string, number>();
      let samples = 0;
      const sampler = every(intervalMs, async () => {
        const rows = await attached();
        samples++;
        for (const row of rows) {
          const key = `${row.state ?? '?'}/${row.wait_event_type ? `${row.wait_event_type}:${row.wait_event}` : 'on CPU'}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      });
      return {
        async stop() {
          await sampler.stop();
          return summarizeActivity(counts, samples);
        },
      };
    },
    close: () => sql.end(),
  };
}

export type PostgresUse = { database: number; server: number; transactions: TransactionCounts };

/**
 * Between two readings: CPU seconds of the database's backends (by pid; one that ended in
 * between is lost) and of the whole server, and the database's transactions.
 */
export function postgresDelta(before: PostgresCpuReading, after: PostgresCpuReading): PostgresUse {
  let database = 0;
  for (const [pid, seconds] of after.backends) database += seconds - (before.backends.get(pid) ?? 0);
  const count = (key: keyof TransactionCounts) => after.transactions[key] - before.transactions[key];
  return {
    database,
    server: after.server - before.server,
    transactions: { commits: count('commits'), rollbacks: count('rollbacks'), deadlocks: count('deadlocks') },
  };
}

function summarizeActivity(counts: Map<string, number>, samples: number): ActivitySummary {
  const mean = (match: (key: string) => boolean) =>
    samples === 0
      ? Number.NaN
      : [...counts].filter(([key]) => match(key)).reduce((sum, [, n]) => sum + n, 0) / samples;
  return {
    samples,
    running: mean((key) => key === 'active/on CPU'),
    lockWait: mean((key) => key.startsWith('active/Lock:')),
    ioWait: mean((key) => key.startsWith('active/IO:') || key.startsWith('active/LWLock:')),
    idleInTransaction: mean((key) => key.startsWith('idle in transaction')),
    idle: mean((key) => key.startsWith('idle/')),
    top: [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([key, n]) => [key, samples === 0 ? Number.NaN : n / samples]),
  };
}
