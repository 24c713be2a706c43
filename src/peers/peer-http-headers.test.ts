import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ctx, keyedPost, useStandInPeer } from './peer-http-test-transport.js';

const stand = useStandInPeer();
const { transport } = stand;

describe('headers', () => {
  it('sends Content-Type, X-Request-Id, traceparent, Authorization and Idempotency-Key', async () => {
    const http = transport({ serviceToken: 's3cret' });

    await http.send(keyedPost, { requestId: 'req-42' });

    expect(stand.peer.requests).toHaveLength(1);
    expect(stand.peer.requests[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-request-id': 'req-42',
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      authorization: 'Bearer s3cret',
      'idempotency-key': 'order-17-payment',
    });
    expect(stand.peer.requests[0]?.body).toEqual({ orderId: 17 });
  });

  it('continues the active trace: the traceparent names the attempt span, a child of the caller', async () => {
    const http = transport();
    const caller = trace.getTracer('test').startSpan('caller');

    await context.with(trace.setSpan(context.active(), caller), () => http.send(keyedPost, ctx));
    caller.end();

    const { traceId } = caller.spanContext();
    const traceparent = stand.peer.requests[0]?.headers.traceparent;
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(traceparent).not.toContain(caller.spanContext().spanId);
  });

  it('sends no Authorization without a token, and no key when not given', async () => {
    const http = transport();

    await http.send({ operation: 'getProduct', method: 'GET', path: '/api/products/1' }, ctx);

    const headers = stand.peer.requests[0]?.headers;
    expect(headers?.['content-type']).toBe('application/json');
    expect(headers?.['x-request-id']).toBe('req-1');
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('idempotency-key');
  });
});
