import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a JSON-RPC node that misbehaves the way networks and load balancers do:
 * it drops connections, adds latency, resets connections halfway through a response, and can
 * blackhole everything (accept, then never answer) for a while. Faults are drawn per connection
 * with a seeded generator, so a failing run can be replayed.
 */
export type FaultProfile = {
  /** Probability that a new connection, or a request on a kept-alive one, is answered by a reset. */
  dropRate: number;
  /** Probability that a request's connection is reset after part of the response has been forwarded. */
  resetMidResponseRate: number;
  /** Latency added to every chunk forwarded, drawn uniformly between the bounds (ms). */
  latencyMs: [number, number];
};

export type FaultCounts = {
  connections: number;
  dropped: number;
  resetMidResponse: number;
  delayedChunks: number;
  /** Connections (new or kept alive) whose requests the blackhole swallowed. */
  blackholed: number;
};

export type FaultProxy = {
  url: string;
  counts(): FaultCounts;
  setProfile(profile: FaultProfile): void;
  /** Accepts but forwards nothing until `ms` have passed; held sockets are then destroyed. */
  blackhole(ms: number): Promise<void>;
  close(): Promise<void>;
};

export const NO_FAULTS: FaultProfile = { dropRate: 0, resetMidResponseRate: 0, latencyMs: [0, 0] };

/** mulberry32: small, seeded, good enough to draw faults reproducibly. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(options: {
  target: string;
  profile?: FaultProfile;
  seed?: number;
}): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = createRandom(options.seed ?? 1);
  let profile = options.profile ?? NO_FAULTS;
  let blackholeUntil = 0;
  const counts: FaultCounts = {
    connections: 0,
    dropped: 0,
    resetMidResponse: 0,
    delayedChunks: 0,
    blackholed: 0,
  };
  const sockets = new Set<Socket>();
  const held = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  /** Forwards chunks in order, each after its own latency, so delay never reorders bytes. */
  function pipeWithLatency(from: Socket, to: Socket, onChunk?: (chunk: Buffer) => boolean) {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (Date.now() < blackholeUntil) {
        // Swallowed: the peer waits for an answer that never comes, until the blackhole ends.
        if (!held.has(from)) counts.blackholed++;
        held.add(from);
        return;
      }
      const [low, high] = profile.latencyMs;
      const delay = low + random() * (high - low);
      if (delay > 0) counts.delayedChunks++;
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => {
            later(delay, () => {
              if (!to.destroyed && (onChunk?.(chunk) ?? true)) to.write(chunk);
              resolve();
            });
          }),
      );
    });
    from.on('end', () => {
      void chain.then(() => to.end());
    });
  }

  const server = createServer((client) => {
    counts.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (Date.now() < blackholeUntil) {
      counts.blackholed++;
      held.add(client);
      return;
    }
    if (random() < profile.dropRate) {
      counts.dropped++;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    // Faults are drawn per request too (each chunk the client sends), not only per connection:
    // HTTP keep-alive would otherwise carry most requests over a few lucky connections.
    let resetAfter: number | null = null;
    let forwarded = 0;
    pipeWithLatency(client, upstream, () => {
      if (random() < profile.dropRate) {
        counts.dropped++;
        client.resetAndDestroy();
        upstream.destroy();
        return false;
      }
      if (resetAfter === null && random() < profile.resetMidResponseRate) {
        resetAfter = forwarded + 1 + Math.floor(random() * 200);
      }
      return true;
    });
    pipeWithLatency(upstream, client, (chunk) => {
      if (resetAfter === null || forwarded + chunk.length <= resetAfter) {
        forwarded += chunk.length;
        return true;
      }
      // Part of the response, then a TCP RST: what a crashing load balancer does.
      client.write(chunk.subarray(0, Math.max(0, resetAfter - forwarded)));
      counts.resetMidResponse++;
      client.resetAndDestroy();
      upstream.destroy();
      return false;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    setProfile(next) {
      profile = next;
    },
    blackhole(ms) {
      blackholeUntil = Date.now() + ms;
      return new Promise<void>((resolve) =>
        later(ms, () => {
          for (const socket of held) socket.destroy();
          held.clear();
          resolve();
        }),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
