// autocannon ships no types; the bench uses its promise API only (result shape typed at the call site).
declare module 'autocannon' {
  const autocannon: (options: Record<string, unknown>) => Promise<unknown>;
  export default autocannon;
}
