import { db } from 'ponder:api';
import { transfer } from 'ponder:schema';
import { Hono } from 'hono';
import { count } from 'ponder';

/** What the bench polls: every row (few in these runs) and a count, read from Ponder's own database. */
const app = new Hono();

app.get('/bench/rows', async (c) => {
  const rows = await db.select({ to: transfer.to, indexedAt: transfer.indexedAt }).from(transfer);
  return c.json(rows.map((row) => ({ to: row.to.toLowerCase(), indexedAt: Number(row.indexedAt) })));
});

app.get('/bench/count', async (c) => {
  const [row] = await db.select({ rows: count() }).from(transfer);
  return c.json({ rows: row?.rows ?? 0 });
});

export default app;
