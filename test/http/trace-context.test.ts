import { describe, expect, it } from 'vitest';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const incoming = `00-${traceId}-00f067aa0ba902b7-01`;

describe('trace context', () => {
  it('continues the caller traceparent in every peer call, with X-Request-Id', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '1.00', stock: 2 });

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]), {
        traceparent: incoming,
        'X-Request-Id': 'trace-me',
      });

    expect(placed.status).toBe(201);
    const calls = [
      ...(await env.peers.requests('decreaseStock', placed.body.id)),
      ...(await env.peers.requests('charge', placed.body.id)),
    ];
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.requestId).toBe('trace-me');
      expect((call as { traceparent?: string }).traceparent).toMatch(
        new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`),
      );
    }
  });

  it('puts the trace id in problem bodies', async () => {
    const user = await newUser();

    const response = await env.api(user.token).get('/api/orders/abc', { traceparent: incoming });

    expect(response.status).toBe(400);
    expect(response.body.traceId).toBe(traceId);
  });

  it('starts a new trace when the caller sends none or a malformed one', async () => {
    const user = await newUser();

    const response = await env.api(user.token).get('/api/orders/abc', {
      traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    });

    expect(response.body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(response.body.traceId).not.toBe('0'.repeat(32));
  });
});
