import { describe, expect, it } from 'vitest';
import {
  advance,
  createProducts,
  historyOf,
  oneRestockEach,
  orderOf,
  placePaidOrder,
  problemJson,
  refundsOf,
  restocksOf,
  stocksOf,
} from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();

const twoLines = [
  { price: '19.99', stock: 8, quantity: 3 },
  { price: '0.10', stock: 2, quantity: 2 },
];

const statusPath = (id: number | string) => `/api/orders/${id}/status`;

describe('PATCH /api/orders/:id/status', () => {
  it('moves paid → processing → shipped → delivered, recording and notifying each step', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);
    const steps = ['processing', 'shipped', 'delivered'];

    const responses = [];
    for (const status of steps) {
      responses.push(
        await env.api(admin.token).patch(statusPath(order.id), { status, reason: `to ${status}` }),
      );
    }

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(responses.map((response) => response.body.status)).toEqual(steps);
    expect(responses.map((response) => response.body.version)).toEqual([
      order.version + 1,
      order.version + 2,
      order.version + 3,
    ]);
    expect(responses.map((response) => response.headers.get('etag'))).toEqual(
      responses.map((response) => `"${response.body.version}"`),
    );
    expect((await historyOf(env, user, order.id)).slice(-3)).toMatchObject([
      { from: 'paid', to: 'processing', actor: `admin:${admin.id}`, reason: 'to processing' },
      { from: 'processing', to: 'shipped', actor: `admin:${admin.id}`, reason: 'to shipped' },
      { from: 'shipped', to: 'delivered', actor: `admin:${admin.id}`, reason: 'to delivered' },
    ]);
    await expect
      .poll(async () => (await env.peers.notifications(order.id, 'order.status_changed')).length, {
        timeout: 10_000,
      })
      .toBe(3);
    const notifications = await env.peers.notifications(order.id, 'order.status_changed');
    expect(notifications.every((notification) => notification.userId === user.id)).toBe(true);
    expect(await env.peers.requests('refund', order.id)).toHaveLength(0);
  });

  it('answers 403 to a user, even for an order that does not exist', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);

    const own = await env.api(user.token).patch(statusPath(order.id), { status: 'processing' });
    const missing = await env
      .api(user.token)
      .patch(statusPath(999_999_999), { status: 'processing' });

    expect(own.status).toBe(403);
    expect(own.headers.get('content-type')).toMatch(problemJson);
    expect(missing.status).toBe(403);
    expect(missing.headers.get('content-type')).toMatch(problemJson);
    expect(await orderOf(env, user, order.id)).toMatchObject({
      status: 'paid',
      version: order.version,
    });
  });

  it('answers 400 for an unknown status', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env.api(admin.token).patch(statusPath(order.id), { status: 'lost' });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'status' })]),
    );
    expect((await orderOf(env, user, order.id)).status).toBe('paid');
  });

  it('answers 400 for an unknown body field', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env
      .api(admin.token)
      .patch(statusPath(order.id), { status: 'processing', totalAmount: '0.00' });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'totalAmount' })]),
    );
    expect((await orderOf(env, user, order.id)).status).toBe('paid');
  });

  it.each([['abc'], ['0'], ['-1'], ['1.5']])('answers 400 for the id %s', async (id) => {
    const admin = await newUser('admin');

    const response = await env.api(admin.token).patch(statusPath(id), { status: 'processing' });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('answers 409 naming the current and allowed statuses for paid → delivered', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env
      .api(admin.token)
      .patch(statusPath(order.id), { status: 'delivered' });

    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.currentStatus).toBe('paid');
    expect([...response.body.allowedStatuses].sort()).toEqual(['cancelled', 'processing']);
    expect(await orderOf(env, user, order.id)).toMatchObject({
      status: 'paid',
      version: order.version,
    });
  });

  it.each([['processing'], ['shipped'], ['cancelled'], ['failed'], ['paid']])(
    'answers 409 for delivered → %s: delivered is final',
    async (status) => {
      const user = await newUser();
      const admin = await newUser('admin');
      const { order } = await placePaidOrder(env, user);
      const delivered = await advance(env, admin, order.id, ['processing', 'shipped', 'delivered']);

      const response = await env.api(admin.token).patch(statusPath(order.id), { status });

      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(problemJson);
      expect(response.body).toMatchObject({ currentStatus: 'delivered', allowedStatuses: [] });
      expect(await orderOf(env, user, order.id)).toMatchObject({
        status: 'delivered',
        version: delivered.version,
      });
      expect(await env.peers.requests('refund', order.id)).toHaveLength(0);
    },
  );

  it('answers 409 when an admin asks pending → paid', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const [product] = await createProducts(env, [{ price: '3.30', stock: 4, quantity: 1 }]);
    await env.peers.fault({ operation: 'charge', mode: 'error' });
    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product!.id, quantity: 1 }]));

    const response = await env.api(admin.token).patch(statusPath(placed.body.id), {
      status: 'paid',
    });

    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('pending');
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.currentStatus).toBe('pending');
    expect(response.body.allowedStatuses).toEqual(['cancelled']);
    expect((await orderOf(env, user, placed.body.id)).status).toBe('pending');
  });

  it('answers 404 for an order that does not exist', async () => {
    const admin = await newUser('admin');

    const response = await env
      .api(admin.token)
      .patch(statusPath(999_999_999), { status: 'processing' });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('fails a processing order: refund, restock, order.failed', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order, products } = await placePaidOrder(env, user, twoLines);
    await advance(env, admin, order.id, ['processing']);

    const response = await env
      .api(admin.token)
      .patch(statusPath(order.id), { status: 'failed', reason: 'warehouse fire' });

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('failed');
    expect(await env.peers.netCharge(order.id)).toMatchObject({
      chargedCents: 6017,
      refundedCents: 6017,
      netCents: 0,
    });
    expect(await refundsOf(env, order.id)).toBe(1);
    expect(await stocksOf(env, products)).toEqual([8, 2]);
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach(products));
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'processing',
      to: 'failed',
      actor: `admin:${admin.id}`,
      reason: 'warehouse fire',
    });
    await expect
      .poll(async () => (await env.peers.notifications(order.id, 'order.failed')).length, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  it('answers 202 when the refund fails now, then fails the order in the background', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order, products } = await placePaidOrder(env, user, twoLines);
    await advance(env, admin, order.id, ['processing']);
    await env.peers.fault({ operation: 'refund', mode: 'error', match: { orderId: order.id } });

    const response = await env
      .api(admin.token)
      .patch(statusPath(order.id), { status: 'failed', reason: 'lost in transit' });
    await env.peers.clearFaults();

    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id: order.id, status: 'processing' });
    await expect
      .poll(async () => (await orderOf(env, user, order.id)).status, { timeout: 10_000 })
      .toBe('failed');
    expect(await refundsOf(env, order.id)).toBe(1);
    expect(await env.peers.netCharge(order.id)).toMatchObject({ netCents: 0 });
    await expect.poll(() => stocksOf(env, products), { timeout: 10_000 }).toEqual([8, 2]);
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach(products));
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'processing',
      to: 'failed',
      actor: `admin:${admin.id}`,
      reason: 'lost in transit',
    });
  });

  it('cancels a paid order with the same effects as POST /cancel', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order, products } = await placePaidOrder(env, user, twoLines);

    const response = await env
      .api(admin.token)
      .patch(statusPath(order.id), { status: 'cancelled', reason: 'customer called' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'cancelled', version: order.version + 1 });
    expect(await env.peers.netCharge(order.id)).toMatchObject({
      chargedCents: 6017,
      refundedCents: 6017,
      netCents: 0,
    });
    expect(await refundsOf(env, order.id)).toBe(1);
    expect(await stocksOf(env, products)).toEqual([8, 2]);
    expect(await restocksOf(env, order.id)).toEqual(oneRestockEach(products));
    expect((await historyOf(env, user, order.id)).at(-1)).toMatchObject({
      from: 'paid',
      to: 'cancelled',
      actor: `admin:${admin.id}`,
      reason: 'customer called',
    });
    await expect
      .poll(async () => (await env.peers.notifications(order.id, 'order.cancelled')).length, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  it('answers 412 for a stale If-Match and changes nothing', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env
      .api(admin.token)
      .patch(
        statusPath(order.id),
        { status: 'processing' },
        { 'If-Match': `"${order.version + 5}"` },
      );

    expect(response.status).toBe(412);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(await orderOf(env, user, order.id)).toMatchObject({
      status: 'paid',
      version: order.version,
    });
  });

  it('applies the change with a matching If-Match', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env
      .api(admin.token)
      .patch(statusPath(order.id), { status: 'processing' }, { 'If-Match': `"${order.version}"` });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'processing', version: order.version + 1 });
    expect(response.headers.get('etag')).toBe(`"${order.version + 1}"`);
  });
});
