import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpServer, startHttpServer } from './start-http-server.ts';

type Answer = { status: number; headers: IncomingHttpHeaders; body: string };

/** A GET over `agent`; rejects with the network error (ECONNRESET, ECONNREFUSED…) if there is one. */
function get(server: HttpServer, path: string, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let server: HttpServer | undefined;
let agent: Agent | undefined;
afterEach(async () => {
  agent?.destroy();
  await server?.close();
  server = undefined;
  agent = undefined;
});

function createTestApp() {
  const release = deferred();
  const received = deferred();
  const app = new Hono();
  app.get('/fast', (c) => c.json({ ok: true }));
  app.get('/slow', async (c) => {
    received.resolve();
    await release.promise;
    return c.json({ ok: true });
  });
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      await stream.writeSSE({ event: 'status', data: '{}' });
      while (!stream.aborted) await stream.sleep(50);
    }),
  );
  return { app, release, received };
}

describe('startHttpServer close()', () => {
  it('ends an event stream opened on a kept-alive connection after close() began', async () => {
    const { app } = createTestApp();
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(server, '/fast', agent);
    let closedAt = 0;
    const started = performance.now();
    const closed = server.close().then(() => {
      closedAt = performance.now();
    });
    // Reuses the idle socket: the stream starts on a server that is already draining, and ends.
    const stream = await get(server, '/events', agent);
    expect(stream.status).toBe(200);
    await closed;
    // Well before the 10 s deadline at which what is left would be cut.
    expect(closedAt - started).toBeLessThan(5_000);
  });

  it('answers a request sent on a kept-alive connection after close() began, with Connection: close', async () => {
    const { app } = createTestApp();
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(server, '/fast', agent)).headers.connection).toBe('keep-alive');

    const closed = server.close();
    // The agent reuses its idle socket: the request reaches a server that is already draining.
    const answer = await get(server, '/fast', agent);
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('close');
    await closed;
  });

  it('lets an in-flight request finish, then refuses new connections', async () => {
    const { app, release, received } = createTestApp();
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    const current = server;
    const slow = get(current, '/slow', false);
    await received.promise;

    let closedYet = false;
    const closed = current.close().then(() => {
      closedYet = true;
    });
    await expect(get(current, '/fast', false)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(closedYet).toBe(false);
    release.resolve();
    const answer = await slow;
    expect(answer).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(answer.headers.connection).toBe('close');
    await closed;
  });

  it('ends an open event stream instead of cutting it', async () => {
    const { app } = createTestApp();
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    const current = server;
    const firstEvent = deferred();
    const stream = new Promise<string>((resolve) => {
      const req = request(`${current.url}/events`, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          firstEvent.resolve();
        });
        res.on('end', () => resolve(`ended after ${body.trim()}`));
        res.on('error', () => resolve('cut'));
      });
      req.on('error', () => resolve('cut'));
      req.end();
    });
    await firstEvent.promise;
    await current.close();
    expect(await stream).toBe('ended after event: status\ndata: {}');
  });

  it('closes idle kept-alive connections and resolves once every connection is gone', async () => {
    const { app } = createTestApp();
    server = await startHttpServer(app, { port: 0, host: '127.0.0.1' });
    agent = new Agent({ keepAlive: true, maxSockets: 3 });
    await Promise.all([
      get(server, '/fast', agent),
      get(server, '/fast', agent),
      get(server, '/fast', agent),
    ]);
    const freeSockets = () => Object.values(agent?.freeSockets ?? {}).flat().length;
    expect(freeSockets()).toBe(3);
    await server.close();
    // The server half-closed each one; the agent drops a free socket whose peer ended it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(freeSockets()).toBe(0);
  });
});
