import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from '../../../src/devnet/free-port.ts';

const run = promisify(execFile);

/** Where Debian's packages put each major version's binaries (`postgresql-15` → 15/bin). */
const DEBIAN_POSTGRES_DIR = '/usr/lib/postgresql';
/** The OS user PostgreSQL runs as: it refuses to run as root. */
const POSTGRES_OS_USER = 'postgres';
/** `pg_ctl -w` gives up waiting for a start or a stop after this. */
const PG_CTL_TIMEOUT_S = 60;

/**
 * The bin directory of the newest PostgreSQL installed the Debian way, or null on a machine
 * without PostgreSQL's server binaries.
 */
export function findPostgresBinaries(): string | null {
  if (!existsSync(DEBIAN_POSTGRES_DIR)) return null;
  const versions = readdirSync(DEBIAN_POSTGRES_DIR)
    .filter((version) => existsSync(join(DEBIAN_POSTGRES_DIR, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const [newest] = versions;
  return newest === undefined ? null : join(DEBIAN_POSTGRES_DIR, newest, 'bin');
}

/**
 * A PostgreSQL server of a test's own, so that it can be stopped and started again without
 * touching the machine's server (the one on 5432 that other tests share).
 */
export type PrivatePostgres = {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: trust authentication, as the test server. */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: sessions are terminated (57P01), then the server shuts down. */
  stop(): Promise<void>;
  /** `pg_ctl start` on the same data directory and port. */
  start(): Promise<void>;
  isRunning(): boolean;
  /** Stops it if it runs (`-m immediate`) and removes its data directory. */
  destroy(): Promise<void>;
};

/**
 * `initdb` into a fresh temporary directory and `pg_ctl start` on a free loopback port, the socket
 * in that directory too. Run as root (as in CI's container), each command runs as the `postgres`
 * OS user (`runuser`) and the directory is handed to it first.
 */
export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'stablegate-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  const pg = async (tool: string, args: string[]) => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', POSTGRES_OS_USER, '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    try {
      await run(file, argv, { timeout: (PG_CTL_TIMEOUT_S + 10) * 1000 });
    } catch (error) {
      const logged = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
      throw new Error(`${tool} ${args.join(' ')} failed: ${(error as Error).message}\n${logged}`, {
        cause: error,
      });
    }
  };
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await getFreePort();
  // fsync off: the data is thrown away after the test, and a slow disk would slow every commit.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  let running = false;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', log, '-w', '-t', String(PG_CTL_TIMEOUT_S), '-o', options, 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate') => {
    await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', String(PG_CTL_TIMEOUT_S), 'stop']);
    running = false;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => stop('fast'),
    start,
    isRunning: () => running,
    async destroy() {
      if (running) await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await run('id', [flag, POSTGRES_OS_USER])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}
