import { Agent, request } from 'node:http';

/** One request as the client saw it: when it started, and how it ended. */
export type Outcome = {
  startedAt: number;
  endedAt: number;
  status: number | null;
  /** A network error (ECONNREFUSED, ECONNRESET, socket hang up…) instead of a response. */
  error: string | null;
  /** Whether any of the request had been written to a connection when it failed. */
  sent: boolean;
};

export type HttpCall = { method: string; path: string; body?: string };

/** One HTTP request over `agent`, resolved with its outcome (never rejected). */
export function send(
  base: string,
  agent: Agent,
  headers: Record<string, string>,
  call: HttpCall,
): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    let sent = false;
    const req = request(
      `${base}${call.path}`,
      {
        method: call.method,
        agent,
        headers: { ...headers, ...(call.body ? { 'content-type': 'application/json' } : {}) },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            startedAt,
            endedAt: Date.now(),
            status: res.statusCode ?? null,
            error: null,
            sent: true,
          }),
        );
        res.on('error', (error) =>
          resolve({ startedAt, endedAt: Date.now(), status: null, error: errorName(error), sent: true }),
        );
      },
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) sent = true;
      socket.once('connect', () => {
        sent = true;
      });
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (error) =>
      resolve({ startedAt, endedAt: Date.now(), status: null, error: errorName(error), sent }),
    );
    req.end(call.body);
  });
}

function errorName(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}

/**
 * `connections` loops, each sending `next()` requests back to back over a shared keep-alive agent,
 * until `stop()`; resolves with every outcome.
 */
export function startLoad(options: {
  base: string;
  connections: number;
  headers: Record<string, string>;
  next: (loop: number, n: number) => HttpCall;
  onOutcome?: (outcome: Outcome, call: HttpCall) => void;
}) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const outcomes: Outcome[] = [];
  let stopped = false;
  const loops = Array.from({ length: options.connections }, async (_, loop) => {
    for (let n = 0; !stopped; n++) {
      const call = options.next(loop, n);
      const outcome = await send(options.base, agent, options.headers, call);
      outcomes.push(outcome);
      options.onOutcome?.(outcome, call);
      // A refused connection means the server is gone: stop instead of spinning on it.
      if (outcome.error === 'ECONNREFUSED') break;
    }
  });
  return {
    outcomes,
    async stop(): Promise<Outcome[]> {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
      return outcomes;
    },
    /** Resolves once every loop has ended by itself (the server went away). */
    async ended(): Promise<Outcome[]> {
      await Promise.all(loops);
      agent.destroy();
      return outcomes;
    },
  };
}
