import { describe, expect, it } from 'vitest';
import type { OrderView } from '../support/orders.js';
import {
  advance,
  createProducts,
  declinedCard,
  historyOf,
  oneRestockEach,
  orderOf,
  placePaidOrder,
  problemJson,
  refundsOf,
  restocksOf,
  statusOf,
  stocksOf,
} from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();

const twoLines = [
  { price: '29.99', stock: 5, quantity: 2 },
  { price: '5.00', stock: 3, quantity: 1 },
];

describe('POST /api/orders/:id/cancel', () => {
  it('cancels a paid order: full refund, every item restocked, notified, recorded', async () => {
    const user = await newUser();
    const { order, products } = await placePaidOrder(env, user, twoLines);

    const response = await env
      .api(user.token)
      .post(`/api/orders/${order.id}/cancel`, { reason: 'changed my mind' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: order.id, userId: user.id, status: 'cancelled' });
    expect(await env.peers.netCharge(order.id)).toMatchObject({
      chargedCents: 6498,
      refundedCents: 6498,
      netCents: 0,
    });
    expect(await stocksOf(env, products)).toEqual([5, 3]);
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach(products));
    await expect
      .poll(async () => (await env.peers.notifications(order.id, 'order.cancelled')).length, {
        timeout: 10_000,
      })
      .toBe(1);
    const [notification] = await env.peers.notifications(order.id, 'order.cancelled');
    expect(notification).toMatchObject({ userId: user.id, orderId: order.id });
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'paid',
      to: 'cancelled',
      actor: `user:${user.id}`,
      reason: 'changed my mind',
    });
  });

  it('accepts a request without a body', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);

    const response = await env.api(user.token).post(`/api/orders/${order.id}/cancel`);

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'paid',
      to: 'cancelled',
      reason: null,
    });
  });

  it('refunds once and restocks once when cancelled twice', async () => {
    const user = await newUser();
    const { order, products } = await placePaidOrder(env, user, twoLines);
    const first = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});

    const second = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'cancelled', version: first.body.version });
    expect(await refundsOf(env, order.id)).toBe(1);
    expect(await env.peers.netCharge(order.id)).toMatchObject({
      refundedCents: 6498,
      netCents: 0,
    });
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach(products));
    expect(await stocksOf(env, products)).toEqual([5, 3]);
    const history = await historyOf(env, user, order.id);
    expect(history.filter((entry) => entry.to === 'cancelled')).toHaveLength(1);
  });

  it.each([['shipped'], ['delivered']])(
    'answers 409 and changes nothing when the order is %s',
    async (target) => {
      const user = await newUser();
      const admin = await newUser('admin');
      const { order, products } = await placePaidOrder(env, user);
      const path = ['processing', 'shipped', 'delivered'];
      const moved = await advance(env, admin, order.id, path.slice(0, path.indexOf(target) + 1));

      const response = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});

      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(problemJson);
      expect(response.body).toMatchObject({ status: 409 });
      expect(await orderOf(env, user, order.id)).toMatchObject({
        status: target,
        version: moved.version,
      });
      expect(await env.peers.netCharge(order.id)).toMatchObject({ netCents: 1000 });
      expect(await stocksOf(env, products)).toEqual([4]);
    },
  );

  it('answers 409 for a failed order (declined card)', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '12.50', stock: 4, quantity: 1 }]);
    const placed = await env
      .api(user.token)
      .post(
        '/api/orders',
        orderBody([{ productId: product!.id, quantity: 1 }], { paymentMethod: declinedCard }),
      );
    const orderId = placed.body.orderId as number;

    const response = await env.api(user.token).post(`/api/orders/${orderId}/cancel`, {});

    expect(placed.status).toBe(402);
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(await statusOf(env, user, orderId)).toBe('failed');
    expect(await env.peers.stockOf(product!.id)).toBe(4);
  });

  it("answers 404 for another user's order and changes nothing", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const { order, products } = await placePaidOrder(env, owner);

    const response = await env.api(stranger.token).post(`/api/orders/${order.id}/cancel`, {});

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(await orderOf(env, owner, order.id)).toMatchObject({
      status: 'paid',
      version: order.version,
    });
    expect(await env.peers.requests('refund', order.id)).toHaveLength(0);
    expect(await stocksOf(env, products)).toEqual([4]);
  });

  it("answers 404, not 412, for another user's order with a stale If-Match", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const { order } = await placePaidOrder(env, owner);

    const response = await env
      .api(stranger.token)
      .post(`/api/orders/${order.id}/cancel`, {}, { 'If-Match': '"999"' });

    expect(response.status).toBe(404);
    expect(await statusOf(env, owner, order.id)).toBe('paid');
  });

  it('answers 404 for an order that does not exist', async () => {
    const user = await newUser();

    const response = await env.api(user.token).post('/api/orders/999999999/cancel', {});

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it("lets an admin cancel anyone's order, recorded as admin:<id>", async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order, products } = await placePaidOrder(env, user);

    const response = await env
      .api(admin.token)
      .post(`/api/orders/${order.id}/cancel`, { reason: 'fraud check' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'cancelled', userId: user.id });
    expect(await env.peers.netCharge(order.id)).toMatchObject({ netCents: 0 });
    expect(await stocksOf(env, products)).toEqual([5]);
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'paid',
      to: 'cancelled',
      actor: `admin:${admin.id}`,
      reason: 'fraud check',
    });
  });

  it('cancels a processing order', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order, products } = await placePaidOrder(env, user);
    await advance(env, admin, order.id, ['processing']);

    const response = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('cancelled');
    expect(await env.peers.netCharge(order.id)).toMatchObject({ netCents: 0 });
    expect(await stocksOf(env, products)).toEqual([5]);
  });

  it('answers 412 for a stale If-Match and changes nothing', async () => {
    const user = await newUser();
    const { order, products } = await placePaidOrder(env, user);

    const response = await env
      .api(user.token)
      .post(`/api/orders/${order.id}/cancel`, {}, { 'If-Match': `"${order.version - 1}"` });

    expect(response.status).toBe(412);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(await orderOf(env, user, order.id)).toMatchObject({
      status: 'paid',
      version: order.version,
    });
    expect(await env.peers.requests('refund', order.id)).toHaveLength(0);
    expect(await stocksOf(env, products)).toEqual([4]);
  });

  it('cancels with a matching If-Match; ETag is the new version, one higher', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    const before = await env.api(user.token).get(`/api/orders/${order.id}`);

    const response = await env
      .api(user.token)
      .post(`/api/orders/${order.id}/cancel`, {}, { 'If-Match': `"${order.version}"` });

    expect(before.headers.get('etag')).toBe(`"${order.version}"`);
    expect(response.status).toBe(200);
    expect(response.body.version).toBe(order.version + 1);
    expect(response.headers.get('etag')).toBe(`"${order.version + 1}"`);
  });

  it('answers 400 for an unknown body field and changes nothing', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);

    const response = await env
      .api(user.token)
      .post(`/api/orders/${order.id}/cancel`, { reason: 'x', refund: false });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'refund' })]),
    );
    expect(await statusOf(env, user, order.id)).toBe('paid');
  });

  it.each([['abc'], ['0'], ['-1'], ['1.5']])('answers 400 for the id %s', async (id) => {
    const user = await newUser();

    const response = await env.api(user.token).post(`/api/orders/${id}/cancel`, {});

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('answers 202 when the refund fails now, then finishes the cancel in the background', async () => {
    const user = await newUser();
    const { order, products } = await placePaidOrder(env, user, twoLines);
    await env.peers.fault({ operation: 'refund', mode: 'error', match: { orderId: order.id } });

    const response = await env
      .api(user.token)
      .post(`/api/orders/${order.id}/cancel`, { reason: 'too slow' });
    const statusWhileFailing = await statusOf(env, user, order.id);
    await env.peers.clearFaults();

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id: order.id });
    expect(response.body.status).not.toBe('cancelled');
    expect(statusWhileFailing).not.toBe('cancelled');
    await expect.poll(() => statusOf(env, user, order.id), { timeout: 10_000 }).toBe('cancelled');
    expect(await refundsOf(env, order.id)).toBe(1);
    expect(await env.peers.netCharge(order.id)).toMatchObject({
      chargedCents: 6498,
      refundedCents: 6498,
      netCents: 0,
    });
    await expect.poll(() => stocksOf(env, products), { timeout: 10_000 }).toEqual([5, 3]);
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach(products));
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'paid',
      to: 'cancelled',
      actor: `user:${user.id}`,
      reason: 'too slow',
    });
    await expect
      .poll(async () => (await env.peers.notifications(order.id, 'order.cancelled')).length, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  // Three slow charges: the place request's tries (PEER_MAX_ATTEMPTS 3) time out, the background
  // retry is answered. More failures in a row would open the Payment client's circuit breaker.
  const slowCharges = { operation: 'charge', mode: 'latency', latencyMs: 1500, count: 3 } as const;

  /** Places an order under slow charges without awaiting it; resolves once it is listed pending. */
  async function placeSlowOrder(user: TestUser, productId: number) {
    await env.peers.fault(slowCharges);
    const placing = env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId, quantity: 2 }]));
    let pending: OrderView | undefined;
    await expect
      .poll(
        async () => {
          const list = await env.api(user.token).get('/api/orders?status=pending');
          pending = list.body.data[0] as OrderView | undefined;
          return pending;
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBeDefined();
    return { placing, order: pending! };
  }

  async function expectCancelledWithNothingNet(
    user: TestUser,
    orderId: number,
    product: { id: number; stockBefore: number },
  ) {
    await expect.poll(() => statusOf(env, user, orderId), { timeout: 10_000 }).toBe('cancelled');
    await expect
      .poll(async () => (await env.peers.netCharge(orderId)).netCents, { timeout: 10_000 })
      .toBe(0);
    await expect
      .poll(() => env.peers.stockOf(product.id), { timeout: 10_000 })
      .toBe(product.stockBefore);
    expect((await env.peers.payments(orderId)).length).toBeLessThanOrEqual(1);
    expect((await historyOf(env, user, orderId)).at(-1)).toMatchObject({
      from: 'pending',
      to: 'cancelled',
      actor: `user:${user.id}`,
    });
  }

  it('cancels a pending order while its charge is in flight: no net charge, stock back', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '7.25', stock: 6, quantity: 2 }]);
    const { placing, order } = await placeSlowOrder(user, product!.id);
    await expect
      .poll(async () => (await env.peers.requests('charge', order.id)).length, {
        timeout: 10_000,
        interval: 20,
      })
      .toBeGreaterThan(0);

    const response = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});
    await placing;

    expect([200, 202]).toContain(response.status);
    await expectCancelledWithNothingNet(user, order.id, product!);
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach([product!]));
    await expect
      .poll(async () => (await env.peers.notifications(order.id, 'order.cancelled')).length, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  it('cancels a pending order as soon as it is visible, whatever the saga is doing', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '4.10', stock: 9, quantity: 2 }]);
    const { placing, order } = await placeSlowOrder(user, product!.id);

    const response = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});
    await placing;

    expect([200, 202]).toContain(response.status);
    await expectCancelledWithNothingNet(user, order.id, product!);
  });
});
