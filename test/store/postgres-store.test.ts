import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseBusyError, DatabaseUnavailableError, ValidationError } from '../../src/domain/errors.ts';
import { runPostgresMigrations } from '../../src/store/postgres/migrate.ts';
import {
  createPostgresStore,
  type PostgresStore,
  WRITE_ATTEMPTS,
} from '../../src/store/postgres/postgres-store.ts';
import { pluck, query, type Sql } from '../../src/store/sql.ts';
import { createTestDatabase, type TestDatabase } from '../fixtures/pg-database.ts';

let database: TestDatabase;
let store: PostgresStore;
const retries: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  store = createPostgresStore({
    url: database.url,
    poolSize: 4,
    logger: { debug: (fields) => retries.push(fields) },
  });
  await runPostgresMigrations(store.sql);
});

afterAll(async () => {
  await store?.close();
  await database?.drop();
});

beforeEach(async () => {
  retries.length = 0;
  await store.sql`DELETE FROM merchants`;
  await store.sql`DELETE FROM store_counters WHERE name <> 'invoice_rowid'`;
  await store.sql`INSERT INTO store_counters (name, value) VALUES ('a', 0), ('b', 0)`;
});

function* insertMerchant(id: string): Sql<void> {
  yield* query(`INSERT INTO merchants (id, name, deposit_mode, payout_address, created_at)
     VALUES (@id, 'Shop', 'forwarder', '0x0000000000000000000000000000000000000001', '2026-01-01T00:00:00.000Z')`).run(
    {
      id,
    },
  );
}

function* merchantIds(): Sql<string[]> {
  return yield* pluck<string>('SELECT id FROM merchants ORDER BY id').all();
}

function* bump(name: string): Sql<number | undefined> {
  return yield* pluck<number>(
    'UPDATE store_counters SET value = value + 1 WHERE name = ? RETURNING value',
  ).get(name);
}

/** A free port on 127.0.0.1 with nothing listening on it any more. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

async function until(condition: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('PostgreSQL store: transactions', () => {
  it('commits the reads and writes of a step together and returns its value', async () => {
    const value = await store.write(function* () {
      yield* insertMerchant('mch_1');
      const counted = yield* bump('a');
      return { counted, ids: yield* merchantIds() };
    });
    expect(value).toEqual({ counted: 1, ids: ['mch_1'] });
    expect(await store.read(merchantIds)).toEqual(['mch_1']);
  });

  it('writes nothing of a step that throws, and rejects with its error', async () => {
    const failure = new ValidationError([{ field: 'x', message: 'no' }]);
    await expect(
      store.write(function* () {
        yield* insertMerchant('mch_1');
        yield* bump('a');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await store.read(merchantIds)).toEqual([]);
    expect(await store.read(pluck<number>("SELECT value FROM store_counters WHERE name = 'a'").get)).toBe(0);
  });

  it('throws a failed query into the step, where its try/catch sees it', async () => {
    await store.write(insertMerchant, 'mch_1');
    let seen: unknown;
    await expect(
      store.write(function* () {
        try {
          yield* insertMerchant('mch_1');
        } catch (error) {
          seen = error;
          throw new ValidationError([{ field: 'id', message: 'taken' }]);
        }
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(seen).toMatchObject({ code: '23505', constraint_name: 'merchants_pkey' });
  });

  it('commits nothing when a step catches a failed query and returns: the transaction was aborted', async () => {
    await store.write(insertMerchant, 'mch_1');
    await expect(
      store.write(function* () {
        yield* insertMerchant('mch_2');
        try {
          yield* insertMerchant('mch_1');
        } catch {
          return 'handled';
        }
        return 'inserted';
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await store.read(merchantIds)).toEqual(['mch_1']);
  });

  it('reads in one REPEATABLE READ snapshot that refuses writes, and writes in READ COMMITTED', async () => {
    const isolation = pluck<string>('SHOW transaction_isolation').get;
    expect(await store.read(isolation)).toBe('repeatable read');
    expect(await store.write(isolation)).toBe('read committed');
    await expect(store.read(insertMerchant, 'mch_1')).rejects.toMatchObject({ code: '25006' });
  });
});

describe('PostgreSQL store: conflicts', () => {
  it('runs both writes of a deadlock to their end: the one PostgreSQL cancels is run again from the start', async () => {
    // Each write locks its first row, then waits at a gate the test holds, then locks the other
    // row: once both wait at the gate, opening it makes a deadlock certain.
    const GATE = 4_242;
    const attempts = { ab: 0, ba: 0 };
    const crossing = (first: 'a' | 'b', second: 'a' | 'b', key: 'ab' | 'ba') =>
      function* (): Sql<number | undefined> {
        attempts[key] += 1;
        yield* bump(first);
        yield* query('SELECT pg_advisory_xact_lock_shared(?)').get(GATE);
        return yield* bump(second);
      };
    const gate = await store.sql.reserve();
    try {
      await gate`SELECT pg_advisory_lock(${GATE})`;
      const writes = [store.write(crossing('a', 'b', 'ab')), store.write(crossing('b', 'a', 'ba'))];
      await until(async () => {
        const [row] = await store.sql<{ waiting: number }[]>`
          SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`;
        return row?.waiting === 2;
      });
      await gate`SELECT pg_advisory_unlock(${GATE})`;
      await Promise.all(writes);
    } finally {
      gate.release();
    }
    // One attempt lost and was rolled back: each counter moved once per write, not more.
    expect(retries).toEqual([{ attempt: 1, code: '40P01' }]);
    expect(attempts.ab + attempts.ba).toBe(3);
    const counters = await store.read(
      query<{ name: string; value: number }>(
        "SELECT name, value FROM store_counters WHERE name IN ('a', 'b') ORDER BY name",
      ).all,
    );
    expect(counters).toEqual([
      { name: 'a', value: 2 },
      { name: 'b', value: 2 },
    ]);
  });

  it('runs a write again after a serialization failure, without what the failed attempt wrote', async () => {
    let attempts = 0;
    const merchants = await store.write(function* () {
      attempts += 1;
      yield* insertMerchant(`mch_${attempts}`);
      if (attempts === 1) yield* raise('40001');
      return yield* merchantIds();
    });
    expect(merchants).toEqual(['mch_2']);
    expect(retries).toEqual([{ attempt: 1, code: '40001' }]);
  });

  it('retries even when the step catches the conflict, and gives up as busy after WRITE_ATTEMPTS', async () => {
    let attempts = 0;
    const write = store.write(function* () {
      attempts += 1;
      try {
        yield* raise('40P01');
      } catch {
        return 'swallowed';
      }
      return 'unreachable';
    });
    await expect(write).rejects.toBeInstanceOf(DatabaseBusyError);
    await expect(write).rejects.toMatchObject({ code: 'database_busy', cause: { code: '40P01' } });
    expect(attempts).toBe(WRITE_ATTEMPTS);
  });
});

/** A real PostgreSQL error with the given SQLSTATE, raised by the server. */
function* raise(code: string): Sql<void> {
  yield* query({
    postgres: `DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = '${code}'; END $$`,
  }).run();
}

describe('PostgreSQL store: values as SQLite gives them', () => {
  it('reads BIGINT as numbers, NUMERIC and TEXT as strings, BYTEA as Buffer, and refuses an unsafe BIGINT', async () => {
    const row = await store.read(
      query(`SELECT count(*) AS n, 42::int AS i, 9007199254740991::bigint AS max, NULL::bigint AS none,
         1.50::numeric AS decimal, 'text' AS t, '\\x0102'::bytea AS b`).get,
    );
    expect(row).toEqual({
      n: 1,
      i: 42,
      max: 9007199254740991,
      none: null,
      decimal: '1.50',
      t: 'text',
      b: Buffer.from([1, 2]),
    });
    await expect(store.read(pluck('SELECT 9007199254740992::bigint').get)).rejects.toThrow(
      /past the integers/,
    );
  });

  it('binds numbers, strings, bigints, buffers and null, named or positional', async () => {
    const row = await store.read(
      query(
        'SELECT @big::bigint + 1 AS n, @text::text AS t, length(@bytes::bytea) AS len, @none::text AS none',
      ).get,
      { big: 2n ** 40n, text: 123456789012345678901234567890n, bytes: Buffer.from([1, 2, 3]), none: null },
    );
    expect(row).toEqual({ n: 2 ** 40 + 1, t: '123456789012345678901234567890', len: 3, none: null });
  });

  it('answers get, all, run and pluck as the SQLite engine does', async () => {
    await store.write(insertMerchant, 'mch_1');
    await store.write(insertMerchant, 'mch_2');
    const answers = await store.write(function* () {
      return {
        get: yield* query<{ id: string }>('SELECT id FROM merchants WHERE id = ?').get('mch_1'),
        missing: yield* query('SELECT id FROM merchants WHERE id = ?').get('mch_9'),
        all: yield* query<{ id: string }>('SELECT id FROM merchants ORDER BY id').all(),
        none: yield* query('SELECT id FROM merchants WHERE id = ?').all('mch_9'),
        run: yield* query("UPDATE merchants SET name = 'x' WHERE id LIKE 'mch_%'").run(),
        pluck: yield* pluck<string>('SELECT name FROM merchants ORDER BY id').get(),
        pluckMissing: yield* pluck('SELECT name FROM merchants WHERE id = ?').get('mch_9'),
        pluckAll: yield* pluck<string>('SELECT id FROM merchants ORDER BY id DESC').all(),
      };
    });
    expect(answers).toEqual({
      get: { id: 'mch_1' },
      missing: undefined,
      all: [{ id: 'mch_1' }, { id: 'mch_2' }],
      none: [],
      run: { changes: 2 },
      pluck: 'x',
      pluckMissing: undefined,
      pluckAll: ['mch_2', 'mch_1'],
    });
    expect(Array.isArray(answers.all) && Object.getPrototypeOf(answers.all)).toBe(Array.prototype);
  });

  it('skips a query that has text for SQLite only', async () => {
    const sqliteOnly = { sqlite: 'SELECT 1' };
    const answers = await store.write(function* () {
      return [
        yield* query(sqliteOnly).get(),
        yield* query(sqliteOnly).all(),
        yield* query(sqliteOnly).run(),
        yield* pluck(sqliteOnly).get(),
        yield* pluck(sqliteOnly).all(),
      ];
    });
    expect(answers).toEqual([undefined, [], { changes: 0 }, undefined, []]);
  });

  it('orders TEXT byte by byte, as SQLite does', async () => {
    const order = await store.read(
      pluck<string>(
        `SELECT id FROM (VALUES ('b'), ('B'), ('_a'), ('a'), ('Z')) AS v(id) ORDER BY id COLLATE "C"`,
      ).all,
    );
    expect(order).toEqual(['B', 'Z', '_a', 'a', 'b']);
    await store.write(insertMerchant, 'mch_b');
    await store.write(insertMerchant, 'mch_B');
    await store.write(insertMerchant, 'mch__');
    expect(await store.read(merchantIds)).toEqual(['mch_B', 'mch__', 'mch_b']);
  });
});

describe('PostgreSQL store: an unavailable server', () => {
  it('fails ping, read and write with DatabaseUnavailableError when nothing listens, and retries no write', async () => {
    const down = createPostgresStore({
      url: `postgres://postgres:hunter2@127.0.0.1:${await closedPort()}/none`,
    });
    try {
      await expect(down.ping()).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(down.ping()).rejects.toMatchObject({
        code: 'database_unavailable',
        cause: { code: 'ECONNREFUSED' },
      });
      await expect(down.read(merchantIds)).rejects.toBeInstanceOf(DatabaseUnavailableError);
      let attempts = 0;
      await expect(
        down.write(function* () {
          attempts += 1;
          yield* insertMerchant('mch_1');
        }),
      ).rejects.toBeInstanceOf(DatabaseUnavailableError);
      expect(attempts).toBeLessThanOrEqual(1);
    } finally {
      await down.close();
    }
  });

  it('does not run a write again after its connection is lost mid-transaction', async () => {
    let attempts = 0;
    const write = store.write(function* () {
      attempts += 1;
      yield* insertMerchant('mch_1');
      yield* query({ postgres: 'SELECT pg_terminate_backend(pg_backend_pid())' }).get();
    });
    await expect(write).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(attempts).toBe(1);
    // The pool replaces the lost connection; nothing of the lost transaction was committed.
    expect(await store.read(merchantIds)).toEqual([]);
  });

  it('refuses a URL that is not postgres:// without repeating it', () => {
    expect(() => createPostgresStore({ url: 'mysql://root:hunter2@db/x' })).toThrow(
      /postgres:\/\/ or postgresql:\/\/, not mysql:/,
    );
    expect(() => createPostgresStore({ url: 'postgres://root:hunter2@[db/x' })).toThrow(/not a valid URL/);
    try {
      createPostgresStore({ url: 'postgres://root:hunter2@[db/x' });
    } catch (error) {
      expect(JSON.stringify(error) + String(error)).not.toContain('hunter2');
    }
  });
});
