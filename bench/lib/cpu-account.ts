import {
  type PostgresCpuReading,
  type PostgresMeter,
  postgresDelta,
  type TransactionCounts,
} from './postgres-meter.ts';
import { cpuSeconds, machineBusySeconds } from './proc-stats.ts';

/** The processes whose CPU a measurement accounts for, besides this (the bench's) process. */
export type CpuParts = { gatewayPids: readonly number[]; redisPid?: number; postgres?: PostgresMeter | null };

export type CpuReading = {
  at: number;
  gateway: number;
  redis: number;
  bench: number;
  postgres: PostgresCpuReading | null;
  machine: number;
};

/** CPU seconds each part used between two readings, and the wall time between them. */
export type CpuUse = {
  wallSeconds: number;
  /** The stablegate processes under test (serve or work). */
  gateway: number;
  /** The PostgreSQL processes attached to the bench database (NaN on SQLite). */
  postgresDatabase: number;
  /** The whole PostgreSQL server, its WAL writer and checkpointer included, and anything else it served meanwhile. */
  postgresServer: number;
  /** The bench database's transactions (null on SQLite). */
  postgresTransactions: TransactionCounts | null;
  redis: number;
  /** This process: autocannon, or the webhook receiver. */
  bench: number;
  /** Every process on the machine, these and any other. */
  machine: number;
};

export async function readCpu(parts: CpuParts): Promise<CpuReading> {
  const postgres = parts.postgres ? await parts.postgres.read() : null;
  const bench = process.cpuUsage();
  return {
    at: performance.now(),
    gateway: parts.gatewayPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    redis: parts.redisPid === undefined ? Number.NaN : cpuSeconds(parts.redisPid),
    bench: (bench.user + bench.system) / 1e6,
    postgres,
    machine: machineBusySeconds(),
  };
}

export function cpuBetween(before: CpuReading, after: CpuReading): CpuUse {
  const postgres =
    before.postgres && after.postgres
      ? postgresDelta(before.postgres, after.postgres)
      : { database: Number.NaN, server: Number.NaN, transactions: null };
  return {
    wallSeconds: (after.at - before.at) / 1000,
    gateway: after.gateway - before.gateway,
    postgresDatabase: postgres.database,
    postgresServer: postgres.server,
    postgresTransactions: postgres.transactions,
    redis: after.redis - before.redis,
    bench: after.bench - before.bench,
    machine: after.machine - before.machine,
  };
}
