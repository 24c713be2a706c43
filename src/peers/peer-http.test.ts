import { createServer } from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createPeerHttp,
  maxPeerBodyBytes,
  type PeerCallEvent,
  type PeerOptions,
} from './peer-http.js';
import { startStandInPeer, type StandInPeer } from './stand-in-peer.js';

let peer: StandInPeer;
const ctx = { requestId: 'req-1' };

beforeEach(async () => {
  peer = await startStandInPeer();
});

afterEach(async () => {
  vi.useRealTimers();
  await peer.close();
});

function transport(overrides: Partial<PeerOptions> = {}) {
  return createPeerHttp({
    name: 'payment',
    baseUrl: peer.baseUrl,
    timeoutMs: 100,
    maxAttempts: 3,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    ...overrides,
  });
}

const keyedPost = {
  operation: 'charge',
  method: 'POST',
  path: '/api/payments',
  body: { orderId: 17 },
  idempotencyKey: 'order-17-payment',
} as const;

describe('headers', () => {
  it('sends Content-Type, X-Request-Id, traceparent, Authorization and Idempotency-Key', async () => {
    const http = transport({ serviceToken: 's3cret' });

    await http.send(keyedPost, { requestId: 'req-42' });

    expect(peer.requests).toHaveLength(1);
    expect(peer.requests[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-request-id': 'req-42',
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      authorization: 'Bearer s3cret',
      'idempotency-key': 'order-17-payment',
    });
    expect(peer.requests[0]?.body).toEqual({ orderId: 17 });
  });

  it('continues the active trace: the traceparent names the attempt span, a child of the caller', async () => {
    const http = transport();
    const caller = trace.getTracer('test').startSpan('caller');

    await context.with(trace.setSpan(context.active(), caller), () => http.send(keyedPost, ctx));
    caller.end();

    const { traceId } = caller.spanContext();
    const traceparent = peer.requests[0]?.headers.traceparent;
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(traceparent).not.toContain(caller.spanContext().spanId);
  });

  it('sends no Authorization without a token, and no key when not given', async () => {
    const http = transport();

    await http.send({ operation: 'getProduct', method: 'GET', path: '/api/products/1' }, ctx);

    const headers = peer.requests[0]?.headers;
    expect(headers?.['content-type']).toBe('application/json');
    expect(headers?.['x-request-id']).toBe('req-1');
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('idempotency-key');
  });
});

describe('retries', () => {
  it('retries a keyed POST on 503 with the same key and reports every attempt', async () => {
    const events: PeerCallEvent[] = [];
    const http = transport({ onCall: (event) => events.push(event) });
    peer.answer({ status: 503 }, { status: 503 }, { status: 201, body: { id: 'pay_1' } });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'answered', status: 201, body: { id: 'pay_1' } });
    expect(peer.requests.map((r) => r.headers['idempotency-key'])).toEqual([
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
    peer.answer({ status: 429 }, { status: 200, body: { ok: true } });

    const response = await http.send({ operation: 'get', method: 'GET', path: '/x' }, ctx);

    expect(response).toMatchObject({ kind: 'answered', status: 200 });
    expect(peer.requests).toHaveLength(2);
  });

  it('never retries a POST without an Idempotency-Key', async () => {
    const http = transport();
    peer.answer({ status: 503 });

    const response = await http.send({ operation: 'x', method: 'POST', path: '/x', body: {} }, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'server_error', lastStatus: 503 });
    expect(peer.requests).toHaveLength(1);
  });

  it('does not retry a 4xx answer', async () => {
    const http = transport();
    peer.answer({ status: 404 });

    const response = await http.send({ operation: 'get', method: 'GET', path: '/x' }, ctx);

    expect(response).toEqual({ kind: 'answered', status: 404, body: undefined });
    expect(peer.requests).toHaveLength(1);
  });

  it('gives up after maxAttempts timeouts', async () => {
    const events: PeerCallEvent[] = [];
    const http = transport({ timeoutMs: 50, onCall: (event) => events.push(event) });
    peer.answer({ status: 201, body: {}, delayMs: 500 });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'timeout', lastStatus: null });
    expect(peer.requests).toHaveLength(3);
    expect(events.map((e) => e.status)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('carries the last server status when a later attempt times out', async () => {
    const http = transport({ timeoutMs: 50 });
    peer.answer({ status: 502 }, { status: 200, delayMs: 500 });

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

describe('hostile answers', () => {
  const get = { operation: 'getProduct', method: 'GET', path: '/api/products/1' } as const;

  it('never follows a redirect: the 302 is the answer and its Location is never called', async () => {
    const elsewhere = await startStandInPeer();
    try {
      const http = transport();
      peer.answer({ status: 302, headers: { Location: `${elsewhere.baseUrl}/metadata` } });

      const response = await http.send(keyedPost, ctx);

      expect(response).toEqual({ kind: 'answered', status: 302, body: undefined });
      expect(peer.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('reads no body that is not labelled JSON', async () => {
    peer.answer({ status: 200, contentType: 'text/html', rawBody: '{"id":1}' });

    expect(await transport().send(get, ctx)).toEqual({
      kind: 'answered',
      status: 200,
      body: undefined,
    });
  });

  it('reads application/json with a charset and +json types', async () => {
    peer.answer(
      { status: 200, contentType: 'application/json; charset=utf-8', rawBody: '{"id":1}' },
      { status: 200, contentType: 'application/problem+json', rawBody: '{"id":2}' },
    );
    const http = transport();

    expect(await http.send(get, ctx)).toMatchObject({ body: { id: 1 } });
    expect(await http.send(get, ctx)).toMatchObject({ body: { id: 2 } });
  });

  it('stops reading a body past maxPeerBodyBytes and drops the connection', async () => {
    // An endless chunked body: without the cap the read would only end at the timeout.
    let closedByClient = false;
    const endless = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"padding":"');
      const chunk = 'x'.repeat(16 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => {
        closedByClient = true;
      });
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const address = endless.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    try {
      const http = transport({
        baseUrl: `http://127.0.0.1:${String(address.port)}`,
        timeoutMs: 10_000,
      });

      const response = await http.send(get, ctx);

      expect(response).toEqual({ kind: 'answered', status: 200, body: undefined });
      await expect.poll(() => closedByClient).toBe(true);
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });

  it('does not read a body whose Content-Length is past maxPeerBodyBytes', async () => {
    peer.answer({ status: 200, rawBody: `"${'x'.repeat(maxPeerBodyBytes)}"` });

    expect(await transport().send(get, ctx)).toEqual({
      kind: 'answered',
      status: 200,
      body: undefined,
    });
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failed attempts, then fails fast without a request', async () => {
    const events: PeerCallEvent[] = [];
    const http = transport({
      maxAttempts: 1,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
      onCall: (event) => events.push(event),
    });
    peer.answer({ status: 503 });

    for (let call = 0; call < 3; call += 1) await http.send(keyedPost, ctx);
    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'circuit_open', lastStatus: null });
    expect(peer.requests).toHaveLength(3);
    expect(events.at(-1)?.status).toBe('circuit_open');
  });

  it('stops retrying once the breaker opens mid-call', async () => {
    const http = transport({
      maxAttempts: 5,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
    });
    peer.answer({ status: 500 });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'circuit_open', lastStatus: 500 });
    expect(peer.requests).toHaveLength(2);
  });

  it('lets a trial call through after halfOpenAfterMs and closes on success', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const http = transport({
      maxAttempts: 1,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
    });
    peer.answer({ status: 503 }, { status: 200, body: {} });
    await http.send(keyedPost, ctx);
    expect(await http.send(keyedPost, ctx)).toMatchObject({ reason: 'circuit_open' });

    vi.setSystemTime(Date.now() + 10_001);
    const trial = await http.send(keyedPost, ctx);
    const after = await http.send(keyedPost, ctx);

    expect(trial).toMatchObject({ kind: 'answered', status: 200 });
    expect(after).toMatchObject({ kind: 'answered', status: 200 });
    expect(peer.requests).toHaveLength(3);
  });

  it('never opens on 4xx answers such as 402 and 409', async () => {
    const http = transport({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    peer.answer(
      { status: 402 },
      { status: 409 },
      { status: 402 },
      { status: 409 },
      { status: 400 },
    );

    const statuses: unknown[] = [];
    for (let call = 0; call < 5; call += 1) {
      const response = await http.send(keyedPost, ctx);
      statuses.push(response.kind === 'answered' ? response.status : response.reason);
    }

    expect(statuses).toEqual([402, 409, 402, 409, 400]);
    expect(peer.requests).toHaveLength(5);
  });
});

describe('breaker state changes', () => {
  it('reports open, half-open and closed as the breaker moves', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const states: string[] = [];
    const http = transport({
      maxAttempts: 1,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
      onBreakerStateChange: (state) => states.push(state),
    });
    peer.answer({ status: 503 }, { status: 200, body: {} });

    await http.send(keyedPost, ctx);
    vi.setSystemTime(Date.now() + 10_001);
    await http.send(keyedPost, ctx);

    expect(states).toEqual(['open', 'half-open', 'closed']);
  });
});
