/** One request as the fuzzer sends it through `app.request`. */
export type FuzzRequest = {
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  body: string | null;
};
