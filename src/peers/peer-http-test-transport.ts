import { afterEach, beforeEach } from 'vitest';
import { createPeerHttp, type PeerOptions } from './peer-http.js';
import { startStandInPeer, type StandInPeer } from './stand-in-peer.js';

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

/**
 * A fresh stand-in peer for each test of the calling file, and the transport to it. Read `peer`
 * inside a test (it is replaced before each one).
 */
export function useStandInPeer() {
  let current: StandInPeer | undefined;
  beforeEach(async () => {
    current = await startStandInPeer();
  });
  afterEach(async () => {
    await current?.close();
  });
  const stand = {
    get peer(): StandInPeer {
      if (current === undefined) throw new Error('useStandInPeer: read the peer inside a test');
      return current;
    },
    transport: (overrides: Partial<PeerOptions> = {}) => transportTo(stand.peer.baseUrl, overrides),
  };
  return stand;
}
