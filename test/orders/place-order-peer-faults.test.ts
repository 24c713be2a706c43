import { describe, expect, it } from 'vitest';
import { stockChangesOfProduct } from '../support/product-stock.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const poll = { timeout: 10_000 };

// Tests in this file share the service's peer clients and their circuit breakers (5 consecutive
// failures open one): each test lets its peer answer again before the next one starts.
const env = useTestService();

const statusOf = async (token: string, id: number): Promise<unknown> =>
  (await env.api(token).get(`/api/orders/${id}`)).body?.status;

describe('POST /api/orders', () => {
  it('answers 503 with Retry-After and stores nothing when the Product Service is down', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '12.00', stock: 6 });
    await env.peers.fault({ operation: 'getProduct', mode: 'error' });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.body).toMatchObject({ status: 503 });
    await env.peers.clearFaults();
    const list = await env.api(user.token).get('/api/orders');
    expect(list.body.pagination.total).toBe(0);
    expect(await env.peers.stockOf(product.id)).toBe(6);
    expect(await stockChangesOfProduct(env.sandbox, product.id)).toEqual([]);
  });

  it('retries a charge that failed with 503 under the same key and charges once', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '19.99', stock: 3 });
    await env.peers.fault({ operation: 'charge', mode: 'error', count: 2 });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    expect(response.status).toBe(201);
    expect(response.body.status).toBe('paid');
    const orderId = response.body.id as number;
    const calls = await env.peers.requests('charge', orderId);
    expect(calls.map((call) => call.status)).toEqual([503, 503, 201]);
    const keys = new Set(calls.map((call) => call.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toEqual(expect.any(String));
    expect(await env.peers.payments(orderId)).toHaveLength(1);
    expect(await env.peers.netCharge(orderId)).toMatchObject({ netCents: 1999 });
  });

  it('answers 202 with the pending order when the charge hangs, then pays it in the background', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '8.25', stock: 4 });
    await env.peers.fault({ operation: 'charge', mode: 'hang' });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 2 }]));
    await env.peers.clearFaults();

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'pending', totalAmount: '16.50' });
    const orderId = response.body.id as number;
    expect(response.headers.get('location')).toBe(`/api/orders/${orderId}`);
    await expect.poll(() => statusOf(user.token, orderId), poll).toBe('paid');
    const payments = await env.peers.payments(orderId);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ status: 'succeeded', amount: '16.50' });
    expect(await env.peers.netCharge(orderId)).toMatchObject({ netCents: 1650 });
    expect(await env.peers.stockOf(product.id)).toBe(2);
    const keys = new Set(
      (await env.peers.requests('charge', orderId)).map((c) => c.idempotencyKey),
    );
    expect(keys.size).toBe(1);
  });

  it('answers 202 when the charge is made but every answer is lost, and pays once in the background', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '30.00', stock: 2 });
    await env.peers.fault({ operation: 'charge', mode: 'process-then-error', count: 3 });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    expect(response.status).toBe(202);
    expect(response.body.status).toBe('pending');
    const orderId = response.body.id as number;
    expect(response.headers.get('location')).toBe(`/api/orders/${orderId}`);
    await expect.poll(() => statusOf(user.token, orderId), poll).toBe('paid');
    const paid = await env.api(user.token).get(`/api/orders/${orderId}`);
    const payments = await env.peers.payments(orderId);
    expect(payments).toHaveLength(1);
    expect(paid.body.paymentId).toBe(payments[0]?.id);
    expect(await env.peers.netCharge(orderId)).toMatchObject({ netCents: 3000 });
    const calls = await env.peers.requests('charge', orderId);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(new Set(calls.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(await env.peers.stockOf(product.id)).toBe(1);
  });

  it('answers 202 when the stock decrease is applied but its answers are lost, and decreases once', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '5.00', stock: 10 });
    await env.peers.fault({
      operation: 'decreaseStock',
      mode: 'process-then-error',
      count: 3,
      match: { productId: product.id },
    });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 3 }]));

    expect(response.status).toBe(202);
    expect(response.body.status).toBe('pending');
    const orderId = response.body.id as number;
    expect(response.headers.get('location')).toBe(`/api/orders/${orderId}`);
    await expect.poll(() => statusOf(user.token, orderId), poll).toBe('paid');
    expect(await env.peers.stockOf(product.id)).toBe(7);
    expect(await env.peers.stockLedger(orderId)).toEqual([
      expect.objectContaining({ productId: product.id, kind: 'decrease', quantity: 3 }),
    ]);
    expect(await env.peers.payments(orderId)).toHaveLength(1);
  });
});

describe('POST /api/orders, a product gone between the lookup and the stock step', () => {
  it('answers 422 naming the product and the order it stored, now failed with the other item restocked', async () => {
    const user = await newUser();
    const kept = await env.peers.createProduct({ price: '2.00', stock: 5 });
    const gone = await env.peers.createProduct({ price: '3.00', stock: 5 });
    await env.peers.fault({
      operation: 'decreaseStock',
      mode: 'error',
      status: 404,
      count: 1,
      match: { productId: gone.id },
    });

    const response = await env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: kept.id, quantity: 1 },
        { productId: gone.id, quantity: 1 },
      ]),
    );

    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ productIds: [gone.id], orderId: expect.any(Number) });
    const orderId = response.body.orderId as number;
    expect(await statusOf(user.token, orderId)).toBe('failed');
    const changes = await stockChangesOfProduct(env.sandbox, kept.id);
    const net = changes
      .filter((change) => change.orderId === orderId)
      .reduce((sum, change) => sum + (change.kind === 'increase' ? 1 : -1) * change.quantity, 0);
    expect(net).toBe(0);
  });
});
