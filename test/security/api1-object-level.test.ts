import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import type { OrderView } from '../support/orders.js';
import {
  advance,
  createProducts,
  declinedCard,
  historyOf,
  orderOf,
  placePaidOrder,
  problemJson,
  refundsOf,
} from '../support/orders.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

// OWASP API1:2023 Broken Object Level Authorization: every route that takes an order id checks
// that the caller owns the order (or is an admin), and another user's order looks exactly like
// one that never existed, so ids cannot be probed.
const env = useTestService();

/** Far beyond any id this test database hands out. */
const neverExisted = 900_000_000_000;

type Probe = {
  name: string;
  send: (user: TestUser, id: number, version: number) => Promise<HttpResponse>;
};

const probes: Probe[] = [
  { name: 'GET /api/orders/:id', send: (u, id) => env.api(u.token).get(`/api/orders/${id}`) },
  {
    name: 'GET /api/orders/:id/history',
    send: (u, id) => env.api(u.token).get(`/api/orders/${id}/history`),
  },
  {
    name: 'POST /api/orders/:id/cancel without a body',
    send: (u, id) => env.api(u.token).post(`/api/orders/${id}/cancel`),
  },
  {
    name: 'POST /api/orders/:id/cancel with a reason',
    send: (u, id) => env.api(u.token).post(`/api/orders/${id}/cancel`, { reason: 'mine now' }),
  },
  {
    name: 'POST /api/orders/:id/cancel with If-Match of the current version',
    send: (u, id, version) =>
      env.api(u.token).post(`/api/orders/${id}/cancel`, {}, { 'If-Match': `"${version}"` }),
  },
  {
    name: 'POST /api/orders/:id/cancel with a stale If-Match',
    send: (u, id, version) =>
      env.api(u.token).post(`/api/orders/${id}/cancel`, {}, { 'If-Match': `"${version + 7}"` }),
  },
  {
    name: 'POST /api/orders/:id/cancel with If-Match: *',
    send: (u, id) => env.api(u.token).post(`/api/orders/${id}/cancel`, {}, { 'If-Match': '*' }),
  },
];

const withoutTraceId = (body: unknown): unknown => {
  if (typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'traceId'));
};

/** A's order in the given status, placed (and moved there) through the API. */
async function orderInStatus(
  owner: TestUser,
  admin: TestUser,
  status: 'paid' | 'processing' | 'cancelled' | 'failed',
): Promise<OrderView> {
  if (status === 'failed') {
    const [product] = await createProducts(env, [{ price: '12.50', stock: 5, quantity: 1 }]);
    const declined = await env
      .api(owner.token)
      .post(
        '/api/orders',
        orderBody([{ productId: product!.id, quantity: 1 }], { paymentMethod: declinedCard }),
      );
    expect(declined.status).toBe(402);
    return orderOf(env, owner, declined.body.orderId);
  }
  const { order } = await placePaidOrder(env, owner);
  if (status === 'processing') await advance(env, admin, order.id, ['processing']);
  if (status === 'cancelled') {
    expect((await env.api(owner.token).post(`/api/orders/${order.id}/cancel`)).status).toBe(200);
  }
  return orderOf(env, owner, order.id);
}

describe("another user's order", () => {
  it.each(['paid', 'processing', 'cancelled', 'failed'] as const)(
    "answers B 404 for A's %s order on every route and If-Match variant, exactly as for an id that never existed, and changes nothing",
    async (status) => {
      const [a, b, c] = [await newUser(), await newUser(), await newUser('admin')];
      const order = await orderInStatus(a, c, status);
      const historyBefore = await historyOf(env, a, order.id);
      const refundsBefore = await refundsOf(env, order.id);

      for (const probe of probes) {
        const stranger = await probe.send(b, order.id, order.version);
        const missing = await probe.send(b, neverExisted, order.version);

        expect({ probe: probe.name, status: stranger.status }).toEqual({
          probe: probe.name,
          status: 404,
        });
        expect(stranger.headers.get('content-type')).toMatch(problemJson);
        // Express adds a weak ETag of the problem body to both; the order's own ETag never.
        expect(stranger.headers.get('etag')).not.toBe(`"${order.version}"`);
        expect(missing.status).toBe(404);
        expect(withoutTraceId(stranger.body)).toEqual(withoutTraceId(missing.body));
        expect(stranger.body).toMatchObject({ type: '/problems/order-not-found', status: 404 });
      }

      expect(await orderOf(env, c, order.id)).toEqual(order);
      expect(await historyOf(env, a, order.id)).toEqual(historyBefore);
      expect(await refundsOf(env, order.id)).toBe(refundsBefore);
    },
  );

  it("answers 403 when B lists userId=A, and never shows B A's orders by any filter or cursor", async () => {
    const [a, b] = [await newUser(), await newUser()];
    const ofA = [(await placePaidOrder(env, a)).order, (await placePaidOrder(env, a)).order];
    const ofB = (await placePaidOrder(env, b)).order;
    const cursorOfA = (await env.api(a.token).get('/api/orders?limit=1')).body.pagination
      .nextCursor as string;

    const asA = await env.api(b.token).get(`/api/orders?userId=${a.id}`);
    const asAPaid = await env.api(b.token).get(`/api/orders?userId=${a.id}&status=paid`);
    const own = await env.api(b.token).get('/api/orders?limit=100');
    const paid = await env.api(b.token).get('/api/orders?status=paid&limit=100');
    const withCursorOfA = await env
      .api(b.token)
      .get(`/api/orders?limit=100&after=${encodeURIComponent(cursorOfA)}`);

    expect(asA.status).toBe(403);
    expect(asA.headers.get('content-type')).toMatch(problemJson);
    expect(asA.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
    expect(asAPaid.status).toBe(403);
    for (const page of [own, paid]) {
      expect(page.status).toBe(200);
      expect(page.body.data.map((order: OrderView) => order.id)).toEqual([ofB.id]);
    }
    // A cursor is only a position: the scope still comes from B's token.
    expect(withCursorOfA.status).toBe(200);
    const seen: OrderView[] = withCursorOfA.body.data;
    expect(seen.every((order) => order.userId === b.id)).toBe(true);
    expect(seen.map((order) => order.id)).not.toContain(ofA[0]!.id);
  });

  it("lets admin C read, list, cancel with If-Match and change the status of A's orders", async () => {
    const [a, c] = [await newUser(), await newUser('admin')];
    const first = (await placePaidOrder(env, a)).order;
    const second = (await placePaidOrder(env, a)).order;

    const read = await env.api(c.token).get(`/api/orders/${first.id}`);
    const history = await env.api(c.token).get(`/api/orders/${first.id}/history`);
    const listed = await env.api(c.token).get(`/api/orders?userId=${a.id}`);
    const cancelled = await env
      .api(c.token)
      .post(`/api/orders/${first.id}/cancel`, {}, { 'If-Match': `"${first.version}"` });
    const changed = await env
      .api(c.token)
      .patch(
        `/api/orders/${second.id}/status`,
        { status: 'processing' },
        { 'If-Match': `"${second.version}"` },
      );

    expect(read.status).toBe(200);
    expect(read.body).toEqual(first);
    expect(history.status).toBe(200);
    expect(history.body.data.length).toBeGreaterThan(0);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((order: OrderView) => order.id)).toEqual([second.id, first.id]);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: first.id, userId: a.id, status: 'cancelled' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: second.id, userId: a.id, status: 'processing' });
  });
});

describe("another user's Idempotency-Key", () => {
  it("gives B a fresh order of B's own for A's key and body, never A's replay", async () => {
    const [a, b] = [await newUser(), await newUser()];
    const [product] = await createProducts(env, [{ price: '7.25', stock: 10, quantity: 2 }]);
    const body = orderBody([{ productId: product!.id, quantity: 2 }]);
    const key = `shared-key-${a.id}`;
    const ofA = await env.api(a.token).post('/api/orders', body, { 'Idempotency-Key': key });

    const ofB = await env.api(b.token).post('/api/orders', body, { 'Idempotency-Key': key });
    const replayOfA = await env.api(a.token).post('/api/orders', body, { 'Idempotency-Key': key });

    expect(ofA.status).toBe(201);
    expect(ofB.status).toBe(201);
    expect(ofB.headers.get('idempotent-replayed')).toBeNull();
    expect(ofB.body.userId).toBe(b.id);
    expect(ofB.body.id).not.toBe(ofA.body.id);
    expect(await env.peers.payments(ofB.body.id)).toHaveLength(1);
    expect(await env.peers.payments(ofA.body.id)).toHaveLength(1);
    expect(await env.peers.stockOf(product!.id)).toBe(6);
    expect(replayOfA.headers.get('idempotent-replayed')).toBe('true');
    expect(replayOfA.body).toEqual(ofA.body);
  });
});
