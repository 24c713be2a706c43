import { describe, expect, it } from 'vitest';
import { setStock, stockChangesOfProduct } from '../support/product-stock.js';
import { orderBody, shippingAddress, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const isoMillis = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const poll = { timeout: 10_000 };

const env = useTestService();

const ordersTotalOf = async (token: string): Promise<number> => {
  const response = await env.api(token).get('/api/orders');
  expect(response.status).toBe(200);
  return response.body.pagination.total as number;
};

describe('POST /api/orders', () => {
  it('answers 201 with the paid order priced by the Product Service, and charges, restocks and notifies', async () => {
    const user = await newUser();
    const mug = await env.peers.createProduct({ price: '29.99', stock: 5 });
    const pen = await env.peers.createProduct({ price: '5.00', stock: 10 });
    const body = orderBody([
      { productId: mug.id, quantity: 2 },
      { productId: pen.id, quantity: 3 },
    ]);

    const requestId = `req-${user.id}`;

    const response = await env
      .api(user.token)
      .post('/api/orders', body, { 'X-Request-Id': requestId });

    expect(response.status).toBe(201);
    const order = response.body;
    expect(order).toEqual({
      id: expect.any(Number),
      userId: user.id,
      status: 'paid',
      totalAmount: '74.98',
      currency: 'USD',
      shippingAddress,
      items: expect.arrayContaining([
        { productId: mug.id, quantity: 2, price: '29.99' },
        { productId: pen.id, quantity: 3, price: '5.00' },
      ]),
      paymentId: expect.any(String),
      version: expect.any(Number),
      createdAt: expect.stringMatching(isoMillis),
      updatedAt: expect.stringMatching(isoMillis),
    });
    expect(order.items).toHaveLength(2);
    expect(Number.isInteger(order.version) && order.version >= 1).toBe(true);
    expect(response.headers.get('location')).toBe(`/api/orders/${order.id}`);
    expect(response.headers.get('etag')).toBe(`"${order.version}"`);
    expect(response.headers.get('x-request-id')).toBe(requestId);

    expect(await env.peers.stockOf(mug.id)).toBe(3);
    expect(await env.peers.stockOf(pen.id)).toBe(7);
    const payments = await env.peers.payments(order.id);
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      id: order.paymentId,
      status: 'succeeded',
      amount: '74.98',
    });
    const charges = await env.peers.requests('charge', order.id);
    expect(charges.map((call) => call.body)).toEqual([
      {
        orderId: order.id,
        userId: user.id,
        amount: '74.98',
        currency: 'USD',
        paymentMethod: 'pm_card_visa',
      },
    ]);
    await expect
      .poll(async () => (await env.peers.notifications(order.id)).map((n) => n.type), poll)
      .toEqual(expect.arrayContaining(['order.created', 'order.paid']));

    const read = await env.api(user.token).get(`/api/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(order);
    const history = await env.api(user.token).get(`/api/orders/${order.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.data).toEqual([
      {
        from: null,
        to: 'pending',
        actor: `user:${user.id}`,
        reason: null,
        at: expect.stringMatching(isoMillis),
      },
      {
        from: 'pending',
        to: 'paid',
        actor: 'system',
        reason: null,
        at: expect.stringMatching(isoMillis),
      },
    ]);
  });

  it('adds money exactly in cents: 0.10 + 0.20 is 0.30', async () => {
    const user = await newUser();
    const clip = await env.peers.createProduct({ price: '0.10', stock: 5 });
    const eraser = await env.peers.createProduct({ price: '0.20', stock: 5 });

    const response = await env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: clip.id, quantity: 1 },
        { productId: eraser.id, quantity: 1 },
      ]),
    );

    expect(response.status).toBe(201);
    expect(response.body.totalAmount).toBe('0.30');
    expect(await env.peers.netCharge(response.body.id)).toMatchObject({ netCents: 30 });
  });

  it('converts a price the Product Service sends as a JSON number exactly', async () => {
    const user = await newUser();
    const tenCents = await env.peers.createProduct({ price: 0.1, stock: 5 });
    const floatTrap = await env.peers.createProduct({ price: 0.29, stock: 5 });

    const response = await env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: tenCents.id, quantity: 3 },
        { productId: floatTrap.id, quantity: 1 },
      ]),
    );

    expect(response.status).toBe(201);
    expect(response.body.items).toEqual(
      expect.arrayContaining([
        { productId: tenCents.id, quantity: 3, price: '0.10' },
        { productId: floatTrap.id, quantity: 1, price: '0.29' },
      ]),
    );
    expect(response.body.totalAmount).toBe('0.59');
    expect((await env.peers.payments(response.body.id))[0]?.amount).toBe('0.59');
  });

  it('totals large quantities exactly: 1000 × 199.99 is 199990.00', async () => {
    const user = await newUser();
    const headphones = await env.peers.createProduct({ price: '199.99', stock: 1000 });

    const response = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: headphones.id, quantity: 1000 }]));

    expect(response.status).toBe(201);
    expect(response.body.totalAmount).toBe('199990.00');
    expect((await env.peers.payments(response.body.id))[0]?.amount).toBe('199990.00');
    expect(await env.peers.stockOf(headphones.id)).toBe(0);
  });

  it('answers 422 naming the unknown product and stores nothing, touching no stock', async () => {
    const user = await newUser();
    const existing = await env.peers.createProduct({ price: '3.00', stock: 5 });
    const unknownId = 987_654_321;

    const response = await env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: existing.id, quantity: 1 },
        { productId: unknownId, quantity: 1 },
      ]),
    );

    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 422, productIds: [unknownId] });
    expect(await ordersTotalOf(user.token)).toBe(0);
    expect(await env.peers.stockOf(existing.id)).toBe(5);
    expect(await stockChangesOfProduct(env.sandbox, existing.id)).toEqual([]);
  });

  it('answers 409 naming the short product when stock is too low, storing nothing', async () => {
    const user = await newUser();
    const plenty = await env.peers.createProduct({ price: '1.00', stock: 50 });
    const scarce = await env.peers.createProduct({ price: '2.00', stock: 2 });

    const response = await env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: plenty.id, quantity: 1 },
        { productId: scarce.id, quantity: 3 },
      ]),
    );

    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 409, productIds: [scarce.id] });
    expect(await ordersTotalOf(user.token)).toBe(0);
    expect(await env.peers.stockOf(plenty.id)).toBe(50);
    expect(await env.peers.stockOf(scarce.id)).toBe(2);
    expect(await stockChangesOfProduct(env.sandbox, plenty.id)).toEqual([]);
    expect(await stockChangesOfProduct(env.sandbox, scarce.id)).toEqual([]);
  });

  it('answers 409 and fails the stored order, restocking what it took, when stock runs out after storing', async () => {
    const user = await newUser();
    const plenty = await env.peers.createProduct({ price: '1.00', stock: 50 });
    const scarce = await env.peers.createProduct({ price: '2.00', stock: 3 });
    // The scarce product's decrease is slowed down, so its stock can be sold elsewhere meanwhile.
    await env.peers.fault({
      operation: 'decreaseStock',
      mode: 'latency',
      latencyMs: 400,
      count: 1,
      match: { productId: scarce.id },
    });
    const pending = env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: plenty.id, quantity: 4 },
        { productId: scarce.id, quantity: 2 },
      ]),
    );
    await expect
      .poll(async () => (await env.peers.requests('decreaseStock')).some(isWaitingFor(scarce.id)))
      .toBe(true);
    await setStock(env.sandbox, scarce.id, 1);

    const response = await pending;

    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 409, productIds: [scarce.id] });
    const orders = (await env.api(user.token).get('/api/orders')).body.data;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'failed' });
    expect(await env.peers.stockOf(plenty.id)).toBe(50);
    expect(await env.peers.stockOf(scarce.id)).toBe(1);
    expect(await env.peers.requests('charge', orders[0].id)).toEqual([]);
    await expect
      .poll(async () => (await env.peers.notifications(orders[0].id, 'order.failed')).length, poll)
      .toBe(1);
  });

  it('answers 402 and restores all stock when the card is declined', async () => {
    const user = await newUser();
    const lamp = await env.peers.createProduct({ price: '45.00', stock: 4 });
    const cable = await env.peers.createProduct({ price: '9.95', stock: 9 });

    const response = await env.api(user.token).post(
      '/api/orders',
      orderBody(
        [
          { productId: lamp.id, quantity: 2 },
          { productId: cable.id, quantity: 1 },
        ],
        { paymentMethod: 'pm_card_declined' },
      ),
    );

    expect(response.status).toBe(402);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 402, orderId: expect.any(Number) });
    const orderId = response.body.orderId as number;
    const read = await env.api(user.token).get(`/api/orders/${orderId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: orderId, status: 'failed', totalAmount: '99.95' });
    expect(await env.peers.stockOf(lamp.id)).toBe(4);
    expect(await env.peers.stockOf(cable.id)).toBe(9);
    expect(await env.peers.netCharge(orderId)).toMatchObject({ chargedCents: 0, netCents: 0 });
    await expect
      .poll(async () => (await env.peers.notifications(orderId, 'order.failed')).length, poll)
      .toBe(1);
  });

  it('sells exactly the stock there is when 12 users order the last 5 units at once', async () => {
    const product = await env.peers.createProduct({ price: '7.50', stock: 5 });
    const users = await Promise.all(Array.from({ length: 12 }, () => newUser()));

    const responses = await Promise.all(
      users.map((user) =>
        env
          .api(user.token)
          .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }])),
      ),
    );

    const created = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status === 409);
    expect(responses.map((response) => response.status).sort()).toEqual([
      ...Array<number>(5).fill(201),
      ...Array<number>(7).fill(409),
    ]);
    for (const response of refused) {
      expect(response.body.productIds).toEqual([product.id]);
    }
    expect(await env.peers.stockOf(product.id)).toBe(0);
    const createdNet = await Promise.all(
      created.map((response) => env.peers.netCharge(response.body.id)),
    );
    expect(createdNet.map((net) => net.netCents)).toEqual([750, 750, 750, 750, 750]);
    const storedOrders = await Promise.all(
      users.map(async (user) => (await env.api(user.token).get('/api/orders')).body.data),
    );
    const refusedStored = storedOrders.flat().filter((order) => order.status !== 'paid');
    expect(storedOrders.flat().filter((order) => order.status === 'paid')).toHaveLength(5);
    for (const order of refusedStored) {
      expect(order.status).toBe('failed');
      expect(await env.peers.netCharge(order.id)).toMatchObject({ netCents: 0 });
    }
  });
});

function isWaitingFor(productId: number) {
  return (call: { productId?: number; status: number | null }): boolean =>
    call.productId === productId && call.status === null;
}
