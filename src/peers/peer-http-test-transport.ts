import { createPeerHttp, type PeerOptions } from './peer-http.js';

/**
 * The transport the peer-http-*.test.ts files drive: short backoff, three attempts, and a timeout
 * long enough that a loaded machine (the files run in parallel on two cores) never turns a slow
 * answer into a retry. Tests of timeouts set their own, with a peer that answers far later.
 */

export const ctx = { requestId: 'req-1' };

export function transportTo(baseUrl: string, overrides: Partial<PeerOptions> = {}) {
  return createPeerHttp({
    name: 'payment',
    baseUrl,
    timeoutMs: 2_000,
    maxAttempts: 3,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

export const keyedPost = {
  operation: 'charge',
  method: 'POST',
  path: '/api/payments',
  body: { orderId: 17 },
  idempotencyKey: 'order-17-payment',
} as const;
