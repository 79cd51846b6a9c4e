import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, Server as NetServer, type Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export type HttpServer = { url: string; port: number; close(): Promise<void> };

/** How long in-flight requests get to finish on shutdown before the sockets left are cut. */
const CLOSE_GRACE_MS = 10_000;
/**
 * How long a kept-alive connection with no request in progress is kept open during shutdown. A
 * client may already have sent its next request on it: closing at once would reset that request
 * (the reset is what clients saw before). A request that arrives in this window is answered.
 */
const IDLE_DRAIN_MS = 1_000;

/** A connection and the responses it is busy with (one, unless the client pipelines). */
type Connection = { socket: Socket; responses: Set<ServerResponse>; idleTimer: NodeJS.Timeout | undefined };

/**
 * Serves `app` on 127.0.0.1-or-all:port. close() drains the server (RFC 9112 §9.6):
 * 1. stops accepting connections;
 * 2. answers every request already received or arriving on an open connection, each response with
 *    `Connection: close` so the client opens no further request on it;
 * 3. ends Server-Sent Events streams (they never finish by themselves; EventSource reconnects);
 * 4. half-closes connections that stay idle for IDLE_DRAIN_MS;
 * 5. destroys whatever is still open CLOSE_GRACE_MS after the call. It resolves once every
 *    connection is closed.
 */
export async function startHttpServer(
  app: Hono<never> | { fetch: Hono['fetch'] },
  options: { port: number; host?: string },
): Promise<HttpServer> {
  const eventStreams = new Set<() => void>();
  let draining = false;
  const endable = (response: Response) => {
    const wrapped = endableEventStream(response, eventStreams);
    // A stream opened while draining (on a connection kept alive) is ended as soon as it starts:
    // it would otherwise hold the shutdown until the deadline.
    if (draining) for (const end of eventStreams) end();
    return wrapped;
  };
  const server = createAdaptorServer({
    fetch: (request, env) => {
      const response = app.fetch(request, env);
      return response instanceof Promise ? response.then(endable) : endable(response);
    },
  });
  const connections = new Map<Socket, Connection>();

  const closeWhenIdle = (connection: Connection) => {
    clearTimeout(connection.idleTimer);
    const bytesRead = connection.socket.bytesRead;
    connection.idleTimer = setTimeout(() => {
      if (connection.responses.size > 0) return;
      // Bytes arrived since: a request is being received; it gets its answer before the close.
      if (connection.socket.bytesRead !== bytesRead) return closeWhenIdle(connection);
      connection.socket.end();
    }, IDLE_DRAIN_MS);
  };

  server.on('connection', (socket: Socket) => {
    const connection: Connection = { socket, responses: new Set(), idleTimer: undefined };
    connections.set(socket, connection);
    socket.once('close', () => {
      clearTimeout(connection.idleTimer);
      connections.delete(socket);
    });
  });
  // Prepended: the app may answer synchronously, and the header must be set before it does.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.get(req.socket);
    if (!connection) return;
    connection.responses.add(res);
    clearTimeout(connection.idleTimer);
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      connection.responses.delete(res);
      // A response whose headers went out before the drain (a stream) left the connection open.
      if (draining && connection.responses.size === 0 && !connection.socket.destroyed) {
        closeWhenIdle(connection);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () =>
    new Promise<void>((resolve) => {
      draining = true;
      const force = setTimeout(() => {
        for (const socket of connections.keys()) socket.destroy();
      }, CLOSE_GRACE_MS);
      force.unref();
      // net's close, not http's: since Node 19 http.Server#close also destroys every connection
      // without a parsed request, which resets a request still on its way (the defect this fixes).
      NetServer.prototype.close.call(server, () => {
        clearTimeout(force);
        // Now http's close has nothing left to destroy; it stops the connection-timeout checks.
        server.close();
        resolve();
      });
      for (const end of eventStreams) end();
      for (const connection of connections.values()) {
        if (connection.responses.size === 0) closeWhenIdle(connection);
        for (const res of connection.responses) {
          if (!res.headersSent) res.setHeader('connection', 'close');
        }
      }
    });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/**
 * A `text/event-stream` response whose body can be ended by the server (on shutdown) with a clean
 * end of stream rather than a cut connection; any other response is returned as it is.
 */
function endableEventStream(response: Response, streams: Set<() => void>): Response {
  const type = response.headers.get('content-type') ?? '';
  if (!response.body || !type.startsWith('text/event-stream')) return response;
  const source = response.body.getReader();
  const end = () => {
    // Cancelling the source settles a pending read as done, which ends the body below.
    source.cancel('server shutting down').catch(() => undefined);
  };
  streams.add(end);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await source.read();
      if (!done) return controller.enqueue(value);
      streams.delete(end);
      controller.close();
    },
    cancel(reason) {
      streams.delete(end);
      return source.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
