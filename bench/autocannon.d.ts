// The subset of autocannon's API the bench uses (the package ships no types).
declare module 'autocannon' {
  import type { IncomingHttpHeaders } from 'node:http';

  export type RequestSpec = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  };

  export type ClientContext = Record<string, unknown>;

  export type Request = RequestSpec & {
    setupRequest?: (request: RequestSpec, context: ClientContext) => RequestSpec;
    onResponse?: (
      status: number,
      body: string,
      context: ClientContext,
      headers: IncomingHttpHeaders,
    ) => void;
  };

  export type Histogram = {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    p99_9?: number;
    total: number;
  };

  export type Result = {
    requests: Histogram;
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    '1xx': number;
    '2xx': number;
    '3xx': number;
    '4xx': number;
    '5xx': number;
  };

  export type Options = {
    url: string;
    connections?: number;
    /** Requests a second over all connections; without it, as fast as they go. */
    overallRate?: number;
    pipelining?: number;
    duration?: number;
    timeout?: number;
    requests?: Request[];
    setupClient?: (client: unknown) => void;
  };

  function autocannon(options: Options): Promise<Result> & { stop?: () => void };
  export default autocannon;
}
