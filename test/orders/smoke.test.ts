import { describe, expect, it } from 'vitest';
import { newUser } from '../support/tokens.js';
import { orderBody, useTestService } from '../support/test-service.js';

const env = useTestService();

describe('POST /api/orders', () => {
  it('answers 201 with the paid order, decreases stock and charges once', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '29.99', stock: 5 });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 2 }]));

    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'paid', totalAmount: '59.98', userId: user.id });
    expect(response.headers.get('location')).toBe(`/api/orders/${response.body.id}`);
    expect(await env.peers.stockOf(product.id)).toBe(3);
    expect(await env.peers.netCharge(response.body.id)).toMatchObject({ netCents: 5998 });
  });
});
