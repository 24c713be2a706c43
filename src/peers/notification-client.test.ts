import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderId, userId } from '../domain/ids.js';
import { createNotificationClient } from './notification-client.js';
import { notificationKey } from './peer-keys.js';
import { startStandInPeer, type StandInPeer } from './stand-in-peer.js';

let peer: StandInPeer;
const ctx = { requestId: 'req-1' };

beforeEach(async () => {
  peer = await startStandInPeer();
});

afterEach(async () => {
  await peer.close();
});

function client() {
  return createNotificationClient({
    baseUrl: peer.baseUrl,
    timeoutMs: 100,
    maxAttempts: 3,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
  });
}

const request = {
  userId: userId(42),
  orderId: orderId(17),
  type: 'order.paid',
  data: { totalAmount: '59.98' },
  idempotencyKey: notificationKey(orderId(17), 'evt-9'),
};

describe('notify', () => {
  it('is delivered on any 2xx, even with an empty body', async () => {
    peer.answer({ status: 202 });

    const result = await client().notify(request, ctx);

    expect(result).toEqual({ kind: 'delivered' });
    expect(peer.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/notifications',
      body: { userId: 42, orderId: 17, type: 'order.paid', data: { totalAmount: '59.98' } },
      headers: { 'idempotency-key': 'order-17-notify-evt-9' },
    });
  });

  it('is rejected with the status on a 4xx, after one request', async () => {
    peer.answer({ status: 400 });

    expect(await client().notify(request, ctx)).toEqual({ kind: 'rejected', status: 400 });
    expect(peer.requests).toHaveLength(1);
  });

  it('is unknown after maxAttempts 500s, each with the same key', async () => {
    peer.answer({ status: 500 });

    expect(await client().notify(request, ctx)).toEqual({ kind: 'unknown' });
    expect(peer.requests).toHaveLength(3);
    expect(new Set(peer.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });
});
