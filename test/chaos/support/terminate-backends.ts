import postgres from 'postgres';

/** The loop that cuts a database's connections; `stop` ends it and says how many it ended. */
export type BackendTerminator = { stop(): Promise<{ terminated: number }> };

/**
 * The database's side of a lost connection: every `everyMs` (a random wait within the bounds),
 * each backend connected to the database of `databaseUrl` is ended with probability `fraction`
 * (`pg_terminate_backend`: the client reads 57P01 admin_shutdown, then the socket closes), mid-query
 * or idle, as a server restart, a failover or an administrator would. Its own connection, to the
 * server's `postgres` database, is spared.
 */
export function startTerminatingBackends(
  databaseUrl: string,
  options: { everyMs: [min: number, max: number]; fraction: number },
): BackendTerminator {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {}, fetch_types: false });
  let running = true;
  let terminated = 0;
  let wake: () => void = () => {};
  const [min, max] = options.everyMs;
  const loop = (async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, min + Math.random() * (max - min));
      });
      if (!running) break;
      const rows = await admin<{ ended: boolean }[]>`SELECT pg_terminate_backend(pid) AS ended
        FROM pg_stat_activity
        WHERE datname = ${database} AND pid <> pg_backend_pid() AND random() < ${options.fraction}`;
      terminated += rows.filter((row) => row.ended).length;
    }
  })();
  return {
    async stop() {
      running = false;
      wake();
      try {
        await loop;
      } finally {
        await admin.end();
      }
      return { terminated };
    },
  };
}
