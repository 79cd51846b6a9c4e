import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.ts';
import type { Store, StoreEngine } from '../../src/store/store.ts';
import { createBenchDatabase } from './bench-database.ts';
import { benchConnectionUrl, createPostgresMeter, type PostgresMeter } from './postgres-meter.ts';

export type BenchEngine = {
  name: StoreEngine;
  label: string;
  /** The bench's own connection to the database, for seeding and checks. */
  store: Store;
  /** What every stablegate process of the run is given to find this database and its secret key. */
  env: Record<string, string>;
  /** Where the bench seals webhook secrets with the same key as the processes (seed.ts addEndpoint). */
  keySource: { databasePath: string; secretKey: string };
  /** The PostgreSQL server's CPU and activity for this database; null on SQLite. */
  meter: PostgresMeter | null;
  close(): Promise<void>;
};

/**
 * A fresh, migrated database on `engine`: a SQLite file on the disk (the temp directory), or a
 * database of its own on the bench's PostgreSQL server, dropped on close. Both get the secret key
 * through STABLEGATE_SECRET_KEY (which PostgreSQL requires), so the two are configured alike.
 */
export async function openBenchEngine(engine: StoreEngine, secretKey: string): Promise<BenchEngine> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'stablegate-bench-engines-'));
    const databasePath = join(dir, 'stablegate.db');
    const store = await openStore({ databasePath });
    return {
      name: engine,
      label: `SQLite (${tmpdir()}, disk)`,
      store,
      // Empty counts as unset (config/env.ts): a DATABASE_URL in the bench's own environment must not win.
      env: { DATABASE_PATH: databasePath, DATABASE_URL: '', STABLEGATE_SECRET_KEY: secretKey },
      keySource: { databasePath, secretKey },
      meter: null,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await createBenchDatabase();
  try {
    const store = await openStore({ databaseUrl: benchConnectionUrl(database), databasePath: '' });
    const meter = await createPostgresMeter(database);
    return {
      name: engine,
      label: `PostgreSQL (${new URL(database.url).host}, disk)`,
      store,
      env: { DATABASE_URL: database.url, STABLEGATE_SECRET_KEY: secretKey },
      keySource: { databasePath: '', secretKey },
      meter,
      async close() {
        await store.close();
        await meter.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
