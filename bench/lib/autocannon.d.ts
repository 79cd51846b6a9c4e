// autocannon ships no types; the bench uses its promise API (result shape typed at the call site)
// and the instance's 'response' event (autocannon/lib/run.js), whose times merge across instances.
declare module 'autocannon' {
  type Instance = Promise<unknown> & {
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void,
    ): Instance;
  };
  const autocannon: (options: Record<string, unknown>) => Instance;
  export default autocannon;
}
