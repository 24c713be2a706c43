import { describe, expect, it } from 'vitest';
import type { HistoryView, OrderView } from '../support/orders.js';
import { placePaidOrder, problemJson } from '../support/orders.js';
import { useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();

type Page = {
  data: OrderView[];
  pagination: {
    page: number;
    limit: number;
    total: number;
    totalPages: number;
    nextCursor: string | null;
  };
};

/** Places `count` paid orders for `user`, one after the other; returns them oldest first. */
async function placeOrders(user: TestUser, count: number): Promise<OrderView[]> {
  const orders: OrderView[] = [];
  for (let index = 0; index < count; index += 1) {
    orders.push((await placePaidOrder(env, user)).order);
  }
  return orders;
}

const newestFirst = (orders: OrderView[]): OrderView[] =>
  [...orders].sort((a, b) =>
    a.createdAt === b.createdAt ? b.id - a.id : b.createdAt.localeCompare(a.createdAt),
  );

describe('GET /api/orders/:id', () => {
  it('answers 200 with the order and its ETag to the owner', async () => {
    const user = await newUser();
    const { order, products } = await placePaidOrder(env, user, [
      { price: '29.99', stock: 5, quantity: 2 },
    ]);

    const response = await env.api(user.token).get<OrderView>(`/api/orders/${order.id}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${response.body.version}"`);
    expect(response.body).toEqual(order);
    expect(response.body).toMatchObject({
      userId: user.id,
      status: 'paid',
      totalAmount: '59.98',
      currency: 'USD',
      items: [{ productId: products[0]!.id, quantity: 2, price: '29.99' }],
    });
    const isoUtcMillis = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    expect(response.body.createdAt).toMatch(isoUtcMillis);
    expect(response.body.updatedAt).toMatch(isoUtcMillis);
    expect(response.body.updatedAt >= response.body.createdAt).toBe(true);
  });

  it("answers 200 to an admin for anyone's order", async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env.api(admin.token).get<OrderView>(`/api/orders/${order.id}`);

    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${order.version}"`);
    expect(response.body).toMatchObject({ id: order.id, userId: user.id });
  });

  it("answers 404 for another user's order", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const { order } = await placePaidOrder(env, owner);

    const response = await env.api(stranger.token).get(`/api/orders/${order.id}`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body).toMatchObject({ status: 404 });
  });

  it('answers 404 for an order that does not exist', async () => {
    const user = await newUser();

    const response = await env.api(user.token).get('/api/orders/999999999');

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it.each([['abc'], ['0'], ['-1'], ['1.5']])('answers 400 for the id %s', async (id) => {
    const user = await newUser();

    const response = await env.api(user.token).get(`/api/orders/${id}`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });
});

describe('GET /api/orders', () => {
  it('lists newest first, paginated, with items', async () => {
    const user = await newUser();
    const orders = await placeOrders(user, 3);
    const expected = newestFirst(orders);

    const first = await env.api(user.token).get<Page>('/api/orders?page=1&limit=2');
    const second = await env.api(user.token).get<Page>('/api/orders?page=2&limit=2');
    const beyond = await env.api(user.token).get<Page>('/api/orders?page=3&limit=2');

    expect(first.status).toBe(200);
    expect(first.body.pagination).toEqual({
      page: 1,
      limit: 2,
      total: 3,
      totalPages: 2,
      nextCursor: expect.any(String),
    });
    expect(first.body.data).toEqual(expected.slice(0, 2));
    expect(second.status).toBe(200);
    expect(second.body.pagination).toEqual({
      page: 2,
      limit: 2,
      total: 3,
      totalPages: 2,
      nextCursor: null,
    });
    expect(second.body.data).toEqual(expected.slice(2));
    expect(beyond.status).toBe(200);
    expect(beyond.body).toEqual({
      data: [],
      pagination: { page: 3, limit: 2, total: 3, totalPages: 2, nextCursor: null },
    });
    expect(first.body.data[0]!.items).toHaveLength(1);
    expect(expected.map((order) => order.id)).toEqual(orders.map((order) => order.id).reverse());
  });

  it('defaults to page 1 and limit 20', async () => {
    const user = await newUser();
    const [order] = await placeOrders(user, 1);

    const response = await env.api(user.token).get<Page>('/api/orders');

    expect(response.status).toBe(200);
    expect(response.body.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 1,
      totalPages: 1,
      nextCursor: null,
    });
    expect(response.body.data).toEqual([order]);
  });

  it('filters by status', async () => {
    const user = await newUser();
    const [kept, cancelled, alsoKept] = await placeOrders(user, 3);
    await env.api(user.token).post(`/api/orders/${cancelled!.id}/cancel`, {});

    const paid = await env.api(user.token).get<Page>('/api/orders?status=paid');
    const gone = await env.api(user.token).get<Page>('/api/orders?status=cancelled');

    expect(paid.status).toBe(200);
    expect(paid.body.data.map((order) => order.id)).toEqual([alsoKept!.id, kept!.id]);
    expect(paid.body.pagination.total).toBe(2);
    expect(gone.status).toBe(200);
    expect(gone.body.data.map((order) => order.id)).toEqual([cancelled!.id]);
    expect(gone.body.data[0]!.status).toBe('cancelled');
    expect(gone.body.pagination.total).toBe(1);
  });

  it("lets an admin filter by any user's id", async () => {
    const user = await newUser();
    const other = await newUser();
    const admin = await newUser('admin');
    const orders = await placeOrders(user, 2);
    await placeOrders(other, 1);

    const response = await env.api(admin.token).get<Page>(`/api/orders?userId=${user.id}`);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual(newestFirst(orders));
    expect(response.body.pagination).toEqual({
      page: 1,
      limit: 20,
      total: 2,
      totalPages: 1,
      nextCursor: null,
    });
  });

  it("shows an admin everyone's orders without a filter", async () => {
    const user = await newUser();
    const other = await newUser();
    const admin = await newUser('admin');
    const [mine] = await placeOrders(user, 1);
    const [theirs] = await placeOrders(other, 1);

    const response = await env.api(admin.token).get<Page>('/api/orders?limit=100');

    expect(response.status).toBe(200);
    const ids = response.body.data.map((order) => order.id);
    expect(ids).toEqual(expect.arrayContaining([mine!.id, theirs!.id]));
    expect(response.body.data).toEqual(newestFirst(response.body.data));
  });

  it("answers 403 to a user asking for another user's orders", async () => {
    const user = await newUser();
    const other = await newUser();
    await placeOrders(other, 1);

    const response = await env.api(user.token).get(`/api/orders?userId=${other.id}`);

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('answers 200 to a user passing their own id', async () => {
    const user = await newUser();
    const [order] = await placeOrders(user, 1);

    const response = await env.api(user.token).get<Page>(`/api/orders?userId=${user.id}`);

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([order]);
  });

  it("never shows a user another user's orders", async () => {
    const user = await newUser();
    const other = await newUser();
    const [mine] = await placeOrders(user, 1);
    await placeOrders(other, 2);

    const response = await env.api(user.token).get<Page>('/api/orders?limit=100');
    const stranger = await env.api((await newUser()).token).get<Page>('/api/orders');

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([mine]);
    expect(response.body.pagination.total).toBe(1);
    expect(stranger.status).toBe(200);
    expect(stranger.body).toEqual({
      data: [],
      pagination: { page: 1, limit: 20, total: 0, totalPages: 0, nextCursor: null },
    });
  });

  it.each([
    ['page=0'],
    ['page=-1'],
    ['page=abc'],
    ['limit=0'],
    ['limit=101'],
    ['limit=abc'],
    ['limit=1.5'],
    ['status=bogus'],
    ['userId=abc'],
    ['sort=id'],
  ])('answers 400 for %s', async (query) => {
    const user = await newUser();

    const response = await env.api(user.token).get(`/api/orders?${query}`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
    expect(response.body.errors.length).toBeGreaterThan(0);
  });
});

describe('GET /api/orders/:id/history', () => {
  it('lists every status change oldest first, with actor and reason', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    await env.api(user.token).post(`/api/orders/${order.id}/cancel`, { reason: 'oops' });

    const response = await env
      .api(user.token)
      .get<{ data: HistoryView[] }>(`/api/orders/${order.id}/history`);

    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject([
      { from: null, to: 'pending', actor: `user:${user.id}`, reason: null },
      { from: 'pending', to: 'paid', actor: 'system' },
      { from: 'paid', to: 'cancelled', actor: `user:${user.id}`, reason: 'oops' },
    ]);
    const times = response.body.data.map((entry) => entry.at);
    expect(times).toEqual([...times].sort());
    expect(times.every((at) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(at))).toBe(true);
  });

  it("answers 200 to an admin for anyone's order", async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order } = await placePaidOrder(env, user);

    const response = await env.api(admin.token).get(`/api/orders/${order.id}/history`);

    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(2);
  });

  it("answers 404 for another user's order", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const { order } = await placePaidOrder(env, owner);

    const response = await env.api(stranger.token).get(`/api/orders/${order.id}/history`);

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('answers 404 for an order that does not exist', async () => {
    const user = await newUser();

    const response = await env.api(user.token).get('/api/orders/999999999/history');

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });

  it('answers 400 for a bad id', async () => {
    const user = await newUser();

    const response = await env.api(user.token).get('/api/orders/abc/history');

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(problemJson);
  });
});
