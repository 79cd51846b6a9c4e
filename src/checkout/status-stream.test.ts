import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.ts';
import type { CheckoutStatus } from './checkout-status.ts';
import { streamCheckoutStatus } from './status-stream.ts';

const logger = createLogger({ level: 'silent' });

function statusWith(status: CheckoutStatus['status']): CheckoutStatus {
  return { status, serverTime: new Date().toISOString() } as CheckoutStatus;
}

/** A stream over an in-memory "row" the test changes, with its end observable. */
function createStream(options: { heartbeatIntervalMs?: number } = {}) {
  const row: { version: number | null; status: CheckoutStatus } = {
    version: 1,
    status: statusWith('pending'),
  };
  let closed!: () => void;
  const ended = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const app = new Hono().get('/events', (c) =>
    streamCheckoutStatus(
      c,
      {
        readVersion: async () => (row.version === null ? null : String(row.version)),
        readStatus: async () => ({ ...row.status, serverTime: new Date().toISOString() }),
      },
      {
        logger,
        pollIntervalMs: 5,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 60_000,
        onClose: closed,
      },
    ),
  );
  return { app, row, ended };
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
  const decoder = new TextDecoder();
  let seen = '';
  while (!seen.includes(text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${JSON.stringify(text)}; got ${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  return seen;
}

describe('streamCheckoutStatus', () => {
  it('sends the status with a retry hint first, then only real changes', async () => {
    const { app, row, ended } = createStream();
    const response = await app.request('/events');
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = await readUntil(reader, '\n\n');
    expect(first).toMatch(/^event: status\ndata: \{"status":"pending".*\}\nretry: 3000\n\n$/);
    // A new version with the same content sends nothing; a new status does.
    row.version = 2;
    row.version = 3;
    row.status = statusWith('processing');
    const next = await readUntil(reader, '\n\n');
    expect(next).toMatch(/^event: status\ndata: \{"status":"processing"/);
    expect(next).not.toContain('pending');
    await reader.cancel();
    await ended;
  });

  it('keeps an idle stream open with heartbeat comments', async () => {
    const { app, ended } = createStream({ heartbeatIntervalMs: 20 });
    const reader = (await app.request('/events')).body?.getReader();
    if (!reader) throw new Error('no body');
    expect(await readUntil(reader, ': heartbeat\n\n')).toContain('event: status');
    await reader.cancel();
    await ended;
  });

  it('ends by itself once the invoice is final', async () => {
    const { app, row, ended } = createStream();
    row.status = statusWith('paid');
    const text = await (await app.request('/events')).text();
    expect(text.match(/event: status/g)).toHaveLength(1);
    await ended;
  });

  it('sends the final status, then ends, when the invoice expires while the stream is open', async () => {
    const { app, row, ended } = createStream();
    const reader = (await app.request('/events')).body?.getReader();
    if (!reader) throw new Error('no body');
    await readUntil(reader, '\n\n');
    row.version = 2;
    row.status = statusWith('expired');
    expect(await readUntil(reader, '\n\n')).toMatch(/^event: status\ndata: \{"status":"expired"/);
    expect(await reader.read()).toMatchObject({ done: true });
    await ended;
  });

  it('ends when the invoice disappears', async () => {
    const { app, row, ended } = createStream();
    const reader = (await app.request('/events')).body?.getReader();
    if (!reader) throw new Error('no body');
    await readUntil(reader, '\n\n');
    row.version = null;
    await ended;
  });
});
