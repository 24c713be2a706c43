import { describe, expect, it } from 'vitest';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const poll = { timeout: 10_000 };

// A peer slower than the response deadline but within its own timeout: the request answers at the
// deadline while the same saga run goes on.
const env = useTestService({ orderResponseDeadlineMs: 1000, peerTimeoutMs: 5000 });

describe('POST /api/orders', () => {
  it('answers 202 at the response deadline while the charge is slow, and the order ends paid', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '21.00', stock: 3 });
    await env.peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 2500, count: 1 });
    const started = Date.now();

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    expect(Date.now() - started).toBeLessThan(2500);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'pending', totalAmount: '21.00' });
    const orderId = response.body.id as number;
    expect(response.headers.get('location')).toBe(`/api/orders/${orderId}`);
    expect(response.headers.get('etag')).toBe(`"${response.body.version}"`);
    await expect
      .poll(
        async () => (await env.api(user.token).get(`/api/orders/${orderId}`)).body?.status,
        poll,
      )
      .toBe('paid');
    expect(await env.peers.payments(orderId)).toHaveLength(1);
    expect(await env.peers.netCharge(orderId)).toMatchObject({ netCents: 2100 });
    expect(await env.peers.stockOf(product.id)).toBe(2);
  });
});
