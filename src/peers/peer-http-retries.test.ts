import { describe, expect, it } from 'vitest';
import type { PeerCallEvent } from './peer-http.js';
import { ctx, keyedPost, useStandInPeer } from './peer-http-test-transport.js';
import { startStandInPeer } from './stand-in-peer.js';

const stand = useStandInPeer();
const { transport } = stand;

describe('retries', () => {
  it('retries a keyed POST on 503 with the same key and reports every attempt', async () => {
    const events: PeerCallEvent[] = [];
    const http = transport({ onCall: (event) => events.push(event) });
    stand.peer.answer({ status: 503 }, { status: 503 }, { status: 201, body: { id: 'pay_1' } });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'answered', status: 201, body: { id: 'pay_1' } });
    expect(stand.peer.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'order-17-payment',
      'order-17-payment',
      'order-17-payment',
    ]);
    expect(events.map(({ status, attempt }) => ({ status, attempt }))).toEqual([
      { status: '503', attempt: 1 },
      { status: '503', attempt: 2 },
      { status: '201', attempt: 3 },
    ]);
    expect(events[0]).toMatchObject({ service: 'payment', operation: 'charge' });
    expect(events[0]?.durationSeconds).toBeGreaterThan(0);
  });

  it('retries a GET on 429', async () => {
    const http = transport();
    stand.peer.answer({ status: 429 }, { status: 200, body: { ok: true } });

    const response = await http.send({ operation: 'get', method: 'GET', path: '/x' }, ctx);

    expect(response).toMatchObject({ kind: 'answered', status: 200 });
    expect(stand.peer.requests).toHaveLength(2);
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    const http = transport();
    stand.peer.answer({ status: 503 });

    const response = await http.send({ operation: 'x', method: 'POST', path: '/x', body: {} }, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'server_error', lastStatus: 503 });
    expect(stand.peer.requests).toHaveLength(1);
  });

  it('does not retry a 4xx answer', async () => {
    const http = transport();
    stand.peer.answer({ status: 404 });

    const response = await http.send({ operation: 'get', method: 'GET', path: '/x' }, ctx);

    expect(response).toEqual({ kind: 'answered', status: 404, body: undefined });
    expect(stand.peer.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts timeouts', async () => {
    const events: PeerCallEvent[] = [];
    const http = transport({ timeoutMs: 50, onCall: (event) => events.push(event) });
    stand.peer.answer({ status: 201, body: {}, delayMs: 500 });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'timeout', lastStatus: null });
    expect(events.map((e) => e.status)).toEqual(['timeout', 'timeout', 'timeout']);
    // In-process, the peer may handle the last request after the client gave up on it.
    await expect.poll(() => stand.peer.requests.length).toBe(3);
  });

  it('carries the last server status when a later attempt times out', async () => {
    // The 502 must arrive within the timeout even on a loaded machine; the later answers never do.
    const http = transport({ timeoutMs: 500 });
    stand.peer.answer({ status: 502 }, { status: 200, delayMs: 10_000 });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'timeout', lastStatus: 502 });
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await startStandInPeer();
    await closed.close();
    const events: PeerCallEvent[] = [];
    const http = transport({ baseUrl: closed.baseUrl, onCall: (event) => events.push(event) });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'network_error', lastStatus: null });
    expect(events.map((e) => e.status)).toEqual([
      'network_error',
      'network_error',
      'network_error',
    ]);
  });
});
