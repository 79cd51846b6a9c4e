import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../src/runtime/create-api.ts';
import { type Db, openDatabase } from '../../src/store/db.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite-store.ts';
import { addMerchant, createTestContext, type TestContext } from '../fixtures/context.ts';
import { TEST_ENGINE } from '../fixtures/test-database.ts';
import { holdWriteLock } from './support/sqlite-lock-holder.ts';

/** Longer than the API's busy_timeout (5 s): some requests give up, later ones get through. */
const LOCK_HOLD_MS = 6_000;

let ctx: TestContext;
let apiKey: string;
let app: ReturnType<typeof createApi>;
/** These faults are SQLite's own (its write lock, its page cap, its backup API): the file's handle. */
let db: Db;

beforeEach(async () => {
  ctx = await createTestContext();
  apiKey = (await addMerchant(ctx)).apiKey;
  app = createApi(ctx);
  db = (ctx.store as SqliteStore).db;
});
afterEach(async () => {
  await ctx.close();
});

type Answer = { status: number; contentType: string; body: Record<string, unknown> };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await app.request(path, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    retryAfter: response.headers.get('retry-after'),
    body: JSON.parse(text) as Answer['body'],
  };
}

/** What /openapi.json lists for an operation's `status`: every answer to a fault must be there. */
async function documentedResponse(method: string, path: string, status: number) {
  const document = await (await app.request('/openapi.json')).json();
  return document.paths[path]?.[method]?.responses[String(status)];
}

/** app.request never leaves the microtask queue: let I/O (the holder's output, backup steps) run. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

const invoiceBody = (extra: Record<string, unknown> = {}) => ({
  amount: '10.5',
  currency: 'USDC',
  chainId: 31337,
  ...extra,
});

/** Invariants a partial write would break: one address index, one row and one created event per invoice. */
function ledger(db: Db) {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    invoices: one('SELECT count(*) AS n FROM invoices'),
    createdEvents: one("SELECT count(*) AS n FROM events WHERE type = 'invoice.created'"),
    nextAddressIndex: one('SELECT max(next_address_index) AS n FROM merchants'),
    distinctIndexes: one('SELECT count(DISTINCT address_index) AS n FROM invoices'),
  };
}

function expectConsistent(db: Db) {
  const counts = ledger(db);
  expect(counts.createdEvents).toBe(counts.invoices);
  expect(counts.nextAddressIndex).toBe(counts.invoices);
  expect(counts.distinctIndexes).toBe(counts.invoices);
  return counts;
}

// SQLite's own lock, page limit and backup: nothing of it exists on PostgreSQL.
describe.skipIf(TEST_ENGINE === 'postgres')(
  'SQLite under another writer, a full disk and an online backup',
  () => {
    it('answers 503 database_busy or succeeds while another process holds the write lock, never a 500', async () => {
      const holder = await holdWriteLock(ctx.config.databasePath, LOCK_HOLD_MS);
      const answers: (Awaited<ReturnType<typeof call>> & { key: string })[] = [];
      const retry: string[] = [];
      // Each request may wait up to busy_timeout; the loop runs until the holder has let go.
      while (!holder.released() || answers.length < 3) {
        const key = retry.shift() ?? randomUUID();
        const created = await call('POST', '/v1/invoices', invoiceBody(), { 'idempotency-key': key });
        answers.push({ ...created, key });
        if (created.status === 503) retry.push(key);
        answers.push({ ...(await call('GET', '/v1/invoices?limit=5')), key: 'list' });
        await yieldToIo();
        if (answers.length > 200) break;
      }
      // Retried with the same Idempotency-Key once the lock is gone: each key ends with one invoice.
      for (const key of retry.splice(0)) {
        answers.push({
          ...(await call('POST', '/v1/invoices', invoiceBody(), { 'idempotency-key': key })),
          key,
        });
      }
      expect(await holder.done).toBe(0);

      const busy = answers.filter((answer) => answer.status === 503);
      console.log(
        `[reliability] sqlite write lock held ${LOCK_HOLD_MS} ms by another process: ${answers.length} requests, ` +
          `${busy.length} x 503 database_busy, ${answers.filter((a) => a.status < 300).length} succeeded, ` +
          `${answers.filter((a) => a.status >= 500 && a.status !== 503).length} other 5xx`,
      );
      for (const answer of answers) expect([200, 201, 503]).toContain(answer.status);
      expect(busy.length).toBeGreaterThan(0);
      for (const answer of busy) {
        expect(answer.contentType).toBe('application/problem+json');
        expect(answer.body).toMatchObject({ status: 503, code: 'database_busy' });
        expect(answer.retryAfter).toBe('1');
      }
      expect(await documentedResponse('post', '/v1/invoices', 503)).toMatchObject({
        headers: { 'Retry-After': { required: true } },
        content: { 'application/problem+json': {} },
      });
      const createdIds = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id as string));
      const keys = new Set(answers.filter((a) => a.key !== 'list').map((a) => a.key));
      const counts = expectConsistent(db);
      expect(counts.invoices).toBe(createdIds.size);
      expect(counts.invoices).toBe(keys.size);
      expect(ctx.logs.join('')).not.toMatch(/"level":50/);
    });

    it('refuses writes on a full disk with a clear problem, leaving no half-written invoice', async () => {
      for (let i = 0; i < 5; i++)
        expect((await call('POST', '/v1/invoices', invoiceBody())).status).toBe(201);
      const pages = db.pragma('page_count', { simple: true }) as number;
      // SQLite's own size cap: a write that needs a page beyond it fails with SQLITE_FULL, as on a full disk.
      db.pragma(`max_page_count = ${pages + 2}`);
      const description = 'x'.repeat(1000);
      const answers: Awaited<ReturnType<typeof call>>[] = [];
      for (let i = 0; i < 200; i++) {
        const answer = await call('POST', '/v1/invoices', invoiceBody({ description }), {
          'idempotency-key': `full-${i}`,
        });
        answers.push(answer);
        if (answer.status !== 201) break;
      }
      const refused = answers.at(-1);
      db.pragma('max_page_count = 1073741823');
      console.log(
        `[reliability] sqlite full: ${answers.length - 1} writes fit, then ${refused?.status} ${String(refused?.body.code)}`,
      );
      expect(refused?.status).not.toBe(201);
      expect(refused?.contentType).toBe('application/problem+json');
      // A full disk is the operator's problem, and retrying later can succeed: a 503 (or 507), never a 500.
      expect([503, 507]).toContain(refused?.status);
      expect(refused?.body.code).not.toBe('internal_error');
      expect(await documentedResponse('post', '/v1/invoices', refused?.status ?? 0)).toMatchObject({
        content: { 'application/problem+json': {} },
      });
      expectConsistent(db);
      // Space is back: the same key now creates the invoice once.
      const again = await call('POST', '/v1/invoices', invoiceBody({ description }), {
        'idempotency-key': `full-${answers.length - 1}`,
      });
      expect(again.status).toBe(201);
      expectConsistent(db);
    });

    it('takes an online backup during writes that restores with integrity_check ok and consistent rows', async () => {
      for (let i = 0; i < 80; i++)
        await call('POST', '/v1/invoices', invoiceBody({ description: 'y'.repeat(500) }));
      const other = openSqliteStore(ctx.config.databasePath);
      const { merchant } = await addMerchant({ ...ctx, store: other }, 'Other shop', 2);
      const backupPath = join(ctx.dir, 'backup.db');
      let steps = 0;
      let otherWrites = 0;
      let done = false;
      const backup = db
        .backup(backupPath, {
          progress: () => {
            steps++;
            // A write by another connection restarts the copy; bounded, so the backup still ends.
            if (steps <= 20) {
              // Synchronously, inside the backup's step: the store's writes would land after it.
              other.db
                .prepare('UPDATE merchants SET name = ? WHERE id = ?')
                .run(`Other shop ${steps}`, merchant.id);
              otherWrites++;
            }
            return 4;
          },
        })
        .finally(() => {
          done = true;
        });
      let apiWrites = 0;
      while (!done && apiWrites < 500) {
        expect((await call('POST', '/v1/invoices', invoiceBody())).status).toBe(201);
        apiWrites++;
        await yieldToIo();
      }
      await backup;
      await other.close();

      const restored = new Database(backupPath);
      try {
        expect(restored.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(restored.pragma('foreign_key_check')).toEqual([]);
        const counts = expectConsistent(restored);
        console.log(
          `[reliability] sqlite online backup: ${steps} steps, ${apiWrites} API writes and ${otherWrites} writes ` +
            `from another connection during it, ${counts.invoices} invoices restored, integrity ok`,
        );
        expect(apiWrites).toBeGreaterThan(0);
      } finally {
        restored.close();
      }
      // The restored file is a working database: it opens with migrations and takes writes.
      const reopened = openDatabase(backupPath);
      try {
        expect(reopened.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        reopened.close();
      }
    });
  },
);
