import { Agent } from 'undici';
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  halfJitterGenerator,
  handleWhenResult,
  isBrokenCircuitError,
  retry,
} from 'cockatiel';
import { sendOnce } from './peer-attempt.js';
import { inAttemptSpan, statusLabel, withTraceContext } from './peer-span.js';

export { maxPeerBodyBytes } from './peer-attempt.js';

export type PeerName = 'product' | 'payment' | 'notification';

/** One event per attempt; `status` is the HTTP status as text, or why there was none. */
export type PeerCallEvent = {
  service: PeerName;
  operation: string;
  status: string;
  durationSeconds: number;
  attempt: number;
};

/**
 * `timeoutMs` bounds each attempt (request and body); `maxAttempts` counts the first try.
 * The breaker counts attempts that got no answer (timeout, network error, 5xx, 429); defaults
 * 5 consecutive failures and 10 s before a trial call. Backoff defaults 100 ms doubling to 2 s.
 */
export type PeerOptions = {
  name: PeerName;
  baseUrl: string;
  timeoutMs: number;
  maxAttempts: number;
  serviceToken?: string | undefined;
  onCall?: (event: PeerCallEvent) => void;
  /** Each change of this peer's breaker (cockatiel's `isolated` is reported as `open`). */
  onBreakerStateChange?: (state: 'closed' | 'half-open' | 'open') => void;
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  backoff?: { initialDelayMs: number; maxDelayMs: number };
};

/** What every typed client takes: the transport's options, its peer fixed by the client. */
export type PeerClientOptions = Omit<PeerOptions, 'name'>;

/** The trace context goes with the active span (OpenTelemetry), not in here. */
export type CallContext = { requestId: string };

export type PeerRequest = {
  operation: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  idempotencyKey?: string | undefined;
};

export type NoAnswerReason =
  'timeout' | 'network_error' | 'server_error' | 'rate_limited' | 'circuit_open';

/**
 * `answered`: the peer decided (2xx, 3xx, 4xx other than 429); `body` is the parsed JSON, or
 * undefined when it is empty, not JSON, not labelled JSON, or over maxPeerBodyBytes. Redirects
 * are answers too, never followed. `no-answer`: after the last attempt we do not know what
 * the peer did; `lastStatus` is the last 5xx/429 seen, if any.
 */
export type PeerResponse =
  | { kind: 'answered'; status: number; body: unknown }
  | { kind: 'no-answer'; reason: NoAnswerReason; lastStatus: number | null };

export type PeerHttp = ReturnType<typeof createPeerHttp>;

const defaultBreaker = { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
export const defaultBackoff = { initialDelayMs: 100, maxDelayMs: 2_000 };

export function createPeerHttp(options: PeerOptions) {
  const { name, timeoutMs, maxAttempts, serviceToken, onCall } = options;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1: ${String(maxAttempts)}`);
  }
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0: ${String(timeoutMs)}`);
  const baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, '');
  const breakerSettings = options.breaker ?? defaultBreaker;
  const backoffSettings = options.backoff ?? defaultBackoff;

  // Built once per client, so every call to this peer shares the breaker's count. Only missing
  // answers open it: a 402 or 409 is the peer working as specified.
  const breaker = circuitBreaker(handleWhenResult(isNoAnswer), {
    halfOpenAfter: breakerSettings.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(breakerSettings.consecutiveFailures),
  });
  const { onBreakerStateChange } = options;
  if (onBreakerStateChange !== undefined) {
    breaker.onStateChange((state) => {
      onBreakerStateChange(breakerStateName(state));
    });
  }
  // cockatiel's maxAttempts counts retries after the first try, ours counts tries. Half jitter
  // waits in [d/2, d) with d = 100 ms, 200 ms, … up to maxDelayMs: spread out, yet bounded.
  const retryPolicy = retry(handleWhenResult(isRetryable), {
    maxAttempts: maxAttempts - 1,
    backoff: new ExponentialBackoff({
      generator: halfJitterGenerator,
      initialDelay: backoffSettings.initialDelayMs,
      maxDelay: backoffSettings.maxDelayMs,
    }),
  });

  /**
   * Sends one request, retried only when repeating it is safe: a GET, or a call carrying an
   * Idempotency-Key (peer-services.md: a retry re-sends the same key, so the peer applies it at
   * most once). A POST without a key is sent exactly once.
   */
  // One connection pool per peer, kept alive between calls.
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

  async function send(request: PeerRequest, ctx: CallContext): Promise<PeerResponse> {
    const url = baseUrl + request.path;
    const init = requestInit(request, ctx);
    const key = request.idempotencyKey;
    const isSafeToRepeat = request.method === 'GET' || (key !== undefined && key !== '');
    let lastStatus: number | null = null;

    const attemptOnce = (attempt: number): Promise<PeerResponse> =>
      inAttemptSpan({ peer: name, request, url, attempt }, () => attemptUntraced(attempt));
    const attemptUntraced = async (attempt: number): Promise<PeerResponse> => {
      const startedAt = performance.now();
      const response = await breaker
        .execute(() => sendOnce(agent, url, withTraceContext(init), timeoutMs))
        .catch((error: unknown): PeerResponse => {
          if (isBrokenCircuitError(error)) {
            return { kind: 'no-answer', reason: 'circuit_open', lastStatus: null };
          }
          throw error;
        });
      if (response.kind === 'no-answer' && response.lastStatus !== null) {
        lastStatus = response.lastStatus;
      }
      onCall?.({
        service: name,
        operation: request.operation,
        status: statusLabel(response),
        durationSeconds: (performance.now() - startedAt) / 1000,
        attempt,
      });
      return response;
    };

    // cockatiel numbers the first try 0.
    const response = isSafeToRepeat
      ? await retryPolicy.execute(({ attempt }) => attemptOnce(attempt + 1))
      : await attemptOnce(1);
    return response.kind === 'no-answer' ? { ...response, lastStatus } : response;
  }

  function requestInit(request: PeerRequest, ctx: CallContext): OutgoingRequest {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-Request-Id': ctx.requestId,
    };
    if (serviceToken !== undefined && serviceToken !== '') {
      headers.Authorization = `Bearer ${serviceToken}`;
    }
    if (request.idempotencyKey !== undefined && request.idempotencyKey !== '') {
      headers['Idempotency-Key'] = request.idempotencyKey;
    }
    // Serialised outside the attempt, so a body that cannot be sent is a fault, not "no answer".
    const body = request.body === undefined ? null : JSON.stringify(request.body);
    // undici.request never follows redirects: a peer that redirects answers something we do not
    // understand (following a 302 would turn a POST into a GET).
    return { method: request.method, headers, body };
  }

  return { send };
}

export type OutgoingRequest = {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | null;
};

function breakerStateName(state: CircuitState): 'closed' | 'half-open' | 'open' {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
  }
}

// cockatiel hands its filters `unknown`; only PeerResponse values pass through these policies,
// and only a no-answer has a `reason`.
function reasonOf(result: unknown): unknown {
  return typeof result === 'object' && result !== null && 'reason' in result
    ? result.reason
    : undefined;
}

function isNoAnswer(result: unknown): boolean {
  return reasonOf(result) !== undefined;
}

// An open circuit is not retried: the point of the breaker is to stop calling.
function isRetryable(result: unknown): boolean {
  const reason = reasonOf(result);
  return reason !== undefined && reason !== 'circuit_open';
}

/**
 * A 4xx the peer answered (429 never arrives here: it is `no-answer`, retried). Where the
 * contract gives the status no meaning, the peer refused the call itself (issue 13, point 2).
 */
export function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}
