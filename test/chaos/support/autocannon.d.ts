// The slice of autocannon's API the load scenario uses (the package ships no types).
declare module 'autocannon' {
  type Context = Record<string, unknown>;
  type RequestShape = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: RequestShape, context: Context) => RequestShape | undefined;
    onResponse?: (status: number, body: string, context: Context) => void;
  };
  type Options = {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
    headers?: Record<string, string>;
    requests?: RequestShape[];
  };
  type Histogram = { average: number; p99: number; max: number; mean: number };
  export type Result = {
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    '1xx': number;
    '2xx': number;
    '3xx': number;
    '4xx': number;
    '5xx': number;
    requests: Histogram & { total: number; sent: number };
    latency: Histogram;
    statusCodeStats?: Record<string, { count: number }>;
  };
  type Instance = Promise<Result> & { stop(): void };
  function autocannon(options: Options): Instance;
  export default autocannon;
}
