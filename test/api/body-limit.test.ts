import { request } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitBodySize } from '../../src/api/body-limit.ts';
import { type HttpServer, startHttpServer } from '../../src/runtime/start-http-server.ts';

const LIMIT = 1024;

/** Sends `body` in the chunks given, with Content-Length or chunked as asked; status and body back. */
function send(
  url: string,
  chunks: string[],
  framing: 'content-length' | 'chunked',
): Promise<{ status: number; body: string }> {
  const total = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (framing === 'content-length') headers['content-length'] = String(total);
  else headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    const req = request(`${url}/echo`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    // The server may answer 413 and close before the whole body is written.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('limitBodySize on a real node server', () => {
  let server: HttpServer;
  beforeAll(async () => {
    const app = new Hono();
    app.use('*', limitBodySize(LIMIT));
    app.post('/echo', async (c) => c.json({ length: (await c.req.text()).length }));
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server.close());

  it('passes a body within the limit, declared or chunked', async () => {
    for (const framing of ['content-length', 'chunked'] as const) {
      const answer = await send(server.url, ['x'.repeat(600), 'y'.repeat(LIMIT - 600)], framing);
      expect({ framing, ...answer }).toEqual({ framing, status: 200, body: `{"length":${LIMIT}}` });
    }
  });

  it('refuses a declared length over the limit with problem+json, before reading it', async () => {
    const answer = await send(server.url, ['x'.repeat(LIMIT + 1)], 'content-length');
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'payload_too_large' });
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const answer = await send(server.url, ['x'.repeat(700), 'y'.repeat(700)], 'chunked');
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'payload_too_large' });
  });
});
