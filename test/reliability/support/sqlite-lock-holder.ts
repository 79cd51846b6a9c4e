import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../../src/devnet/wait-until.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

// Another process (as `watch` or `work` would be) takes SQLite's write lock with BEGIN IMMEDIATE,
// writes, and holds the lock for HOLD_MS before committing. CommonJS, so `node -e` can run it.
const HOLDER_SOURCE = `
const Database = require('better-sqlite3');
const db = new Database(process.env.DB_PATH);
db.pragma('busy_timeout = 5000');
db.exec('BEGIN IMMEDIATE');
db.prepare("UPDATE merchants SET name = name").run();
process.stdout.write('locked\\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\\n');
}, Number(process.env.HOLD_MS));
`;

export type LockHolder = { released: () => boolean; done: Promise<number | null> };

/** Resolves once another process holds the write lock of `path`; it lets go after `holdMs`. */
export async function holdWriteLock(path: string, holdMs: number): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', HOLDER_SOURCE], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', DB_PATH: path, HOLD_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil(() => output.includes('locked'), {
    timeoutMs: 10_000,
    exited: done.then((code) => `lock holder exited (code ${code}): ${output}`),
  });
  return { released: () => output.includes('released'), done };
}
