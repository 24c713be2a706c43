import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http-client.js';
import { setStock, stockChangesOfProduct } from '../support/product-stock.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';
import { idempotencyLockSeconds } from '../../src/orders/idempotency.js';

const poll = { timeout: 10_000 };

// Tests here share the service's peer clients and their circuit breakers (5 consecutive failures
// open one): each test lets its peer answer again before the next one starts.
const env = useTestService();

const newKey = (): string => `key-${randomUUID()}`;

const place = (user: TestUser, body: unknown, key: string): Promise<HttpResponse> =>
  env.api(user.token).post('/api/orders', body, { 'Idempotency-Key': key });

const ordersOf = async (user: TestUser): Promise<{ id: number; status: string }[]> => {
  const response = await env.api(user.token).get('/api/orders');
  expect(response.status).toBe(200);
  return response.body.data;
};

describe('POST /api/orders with Idempotency-Key', () => {
  it('replays the first 201 for the same key and body, with no second order, charge or stock change', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '29.99', stock: 5 });
    const body = orderBody([{ productId: product.id, quantity: 2 }]);
    const key = newKey();
    const first = await place(user, body, key);

    const again = await place(user, body, key);

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(`/api/orders/${first.body.id}`);
    expect(again.headers.get('etag')).toBe(`"${first.body.version}"`);
    expect(await ordersOf(user)).toHaveLength(1);
    expect(await env.peers.payments(first.body.id)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(3);
    expect(await stockChangesOfProduct(env.sandbox, product.id)).toHaveLength(1);
  });

  it('answers 422 when the same key comes with a different body, and places nothing more', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '4.00', stock: 10 });
    const key = newKey();
    const first = await place(user, orderBody([{ productId: product.id, quantity: 1 }]), key);

    const other = await place(user, orderBody([{ productId: product.id, quantity: 2 }]), key);

    expect(first.status).toBe(201);
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await ordersOf(user)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(9);
  });

  it('scopes keys per user: another user sending the same key gets an order of their own', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const product = await env.peers.createProduct({ price: '6.00', stock: 10 });
    const body = orderBody([{ productId: product.id, quantity: 1 }]);
    const key = newKey();
    const aliceOrder = await place(alice, body, key);

    const bobOrder = await place(bob, body, key);

    expect(aliceOrder.status).toBe(201);
    expect(bobOrder.status).toBe(201);
    expect(bobOrder.headers.get('idempotent-replayed')).toBeNull();
    expect(bobOrder.body).toMatchObject({ userId: bob.id, status: 'paid' });
    expect(bobOrder.body.id).not.toBe(aliceOrder.body.id);
    expect(await env.peers.stockOf(product.id)).toBe(8);
    expect(await env.peers.payments(bobOrder.body.id)).toHaveLength(1);
  });

  it('answers 409 to the same key while the first request is still in flight', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '15.00', stock: 5 });
    const body = orderBody([{ productId: product.id, quantity: 1 }]);
    const key = newKey();
    // The first charge attempt gets no answer; the request waits out the peer timeout, then retries.
    await env.peers.fault({ operation: 'charge', mode: 'hang', count: 1 });
    const first = place(user, body, key);
    await expect
      .poll(async () => {
        const calls = await env.peers.requests('charge');
        return calls.some((call) => call.status === null && hasUserId(call.body, user.id));
      }, poll)
      .toBe(true);

    const concurrent = await place(user, body, key);

    expect(concurrent.status).toBe(409);
    expect(concurrent.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const settled = await first;
    expect(settled.status).toBe(201);
    expect(await ordersOf(user)).toHaveLength(1);
    expect(await env.peers.payments(settled.body.id)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(4);
  });

  it('records no key for a 400, so a corrected retry with the same key places the order', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '2.50', stock: 5 });
    const key = newKey();
    const invalid = await place(user, orderBody([{ productId: product.id, quantity: 0 }]), key);

    const corrected = await place(user, orderBody([{ productId: product.id, quantity: 2 }]), key);

    expect(invalid.status).toBe(400);
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    expect(corrected.body.totalAmount).toBe('5.00');
  });

  it('records no key for a 422 unknown product, so a corrected retry with the same key places the order', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '2.50', stock: 5 });
    const key = newKey();
    const unknown = await place(
      user,
      orderBody([
        { productId: product.id, quantity: 1 },
        { productId: 987_654_321, quantity: 1 },
      ]),
      key,
    );

    const corrected = await place(user, orderBody([{ productId: product.id, quantity: 1 }]), key);

    expect(unknown.status).toBe(422);
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    expect(await ordersOf(user)).toHaveLength(1);
  });

  it('records no key for a 409 short stock found before storing, so a corrected retry places the order', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '2.50', stock: 5 });
    const key = newKey();
    const short = await place(user, orderBody([{ productId: product.id, quantity: 6 }]), key);

    const corrected = await place(user, orderBody([{ productId: product.id, quantity: 5 }]), key);

    expect(short.status).toBe(409);
    expect(short.body.orderId).toBeUndefined();
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    expect(await env.peers.stockOf(product.id)).toBe(0);
  });

  it('records no key for a 503, so the same request retried with the same key places the order', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '2.50', stock: 5 });
    const body = orderBody([{ productId: product.id, quantity: 1 }]);
    const key = newKey();
    await env.peers.fault({ operation: 'getProduct', mode: 'error' });
    const unavailable = await place(user, body, key);
    await env.peers.clearFaults();

    const retried = await place(user, body, key);

    expect(unavailable.status).toBe(503);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await ordersOf(user)).toHaveLength(1);
  });

  it('binds the key once the order is stored: a 409 found after storing is replayed, another body is 422', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '3.00', stock: 2 });
    const body = orderBody([{ productId: product.id, quantity: 2 }]);
    const key = newKey();
    await env.peers.fault({
      operation: 'decreaseStock',
      mode: 'latency',
      latencyMs: 400,
      count: 1,
    });
    const pending = place(user, body, key);
    await expect
      .poll(async () =>
        (await env.peers.requests('decreaseStock')).some(
          (call) => call.productId === product.id && call.status === null,
        ),
      )
      .toBe(true);
    await setStock(env.sandbox, product.id, 1);
    const first = await pending;

    const again = await place(user, body, key);
    const corrected = await place(user, orderBody([{ productId: product.id, quantity: 1 }]), key);

    expect(first.status).toBe(409);
    expect(first.body).toMatchObject({ productIds: [product.id], orderId: expect.any(Number) });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(corrected.status).toBe(422);
    const orders = await ordersOf(user);
    expect(orders).toEqual([expect.objectContaining({ id: first.body.orderId, status: 'failed' })]);
    expect(await env.peers.stockOf(product.id)).toBe(1);
  });

  it('lets exactly one of many simultaneous requests with the same key place the order', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '9.00', stock: 10 });
    const body = orderBody([{ productId: product.id, quantity: 1 }]);
    const key = newKey();

    const responses = await Promise.all(Array.from({ length: 6 }, () => place(user, body, key)));

    const isReplay = (r: HttpResponse) => r.headers.get('idempotent-replayed') === 'true';
    const fresh = responses.filter((r) => r.status === 201 && !isReplay(r));
    expect(fresh).toHaveLength(1);
    for (const response of responses.filter((r) => r !== fresh[0])) {
      if (response.status === 201) {
        expect(isReplay(response)).toBe(true);
        expect(response.body).toEqual(fresh[0]?.body);
      } else {
        expect(response.status).toBe(409);
      }
    }
    expect(await ordersOf(user)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(9);
    expect(await env.peers.payments(fresh[0]?.body.id)).toHaveLength(1);
  });

  it('replays a 402 as the same 402 without charging again', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '11.00', stock: 5 });
    const body = orderBody([{ productId: product.id, quantity: 1 }], {
      paymentMethod: 'pm_card_declined',
    });
    const key = newKey();
    const first = await place(user, body, key);

    const again = await place(user, body, key);

    expect(first.status).toBe(402);
    expect(again.status).toBe(402);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const orderId = first.body.orderId as number;
    expect(await env.peers.requests('charge', orderId)).toHaveLength(1);
    expect(await ordersOf(user)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(5);
  });

  it('replays a 202 as 202 while the order is pending, then as 200 with the order as it is now', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '13.00', stock: 5 });
    const body = orderBody([{ productId: product.id, quantity: 1 }]);
    const key = newKey();
    await env.peers.fault({ operation: 'charge', mode: 'hang' });
    const first = await place(user, body, key);

    const whilePending = await place(user, body, key);
    await env.peers.clearFaults();
    const orderId = first.body.id as number;
    await expect
      .poll(
        async () => (await env.api(user.token).get(`/api/orders/${orderId}`)).body?.status,
        poll,
      )
      .toBe('paid');
    const afterPaid = await place(user, body, key);

    expect(first.status).toBe(202);
    expect(whilePending.status).toBe(202);
    expect(whilePending.headers.get('idempotent-replayed')).toBe('true');
    expect(whilePending.body).toMatchObject({ id: orderId, status: 'pending' });
    expect(whilePending.headers.get('location')).toBe(`/api/orders/${orderId}`);
    expect(afterPaid.status).toBe(200);
    expect(afterPaid.headers.get('idempotent-replayed')).toBe('true');
    const current = await env.api(user.token).get(`/api/orders/${orderId}`);
    expect(afterPaid.body).toEqual(current.body);
    expect(afterPaid.headers.get('etag')).toBe(`"${current.body.version}"`);
    expect(afterPaid.body.status).toBe('paid');
    expect(await ordersOf(user)).toHaveLength(1);
    expect(await env.peers.payments(orderId)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(4);
  });
});

function hasUserId(body: unknown, userId: number): boolean {
  return typeof body === 'object' && body !== null && 'userId' in body && body.userId === userId;
}

describe('Idempotency-Key held past its lock (issue 13, point 4)', () => {
  it('makes one order and one charge when the first request stalls past its lock and a retry takes the key', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '4.00', stock: 10 });
    const body = orderBody([{ productId: product.id, quantity: 1 }]);
    const key = newKey();
    // The first request's product lookup stalls; meanwhile its lock lapses (as if the stall had
    // outlasted it) and a retry with the same key takes the key over.
    await env.peers.fault({ operation: 'getProduct', mode: 'latency', latencyMs: 1500, count: 1 });
    const first = place(user, body, key);
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    try {
      await expect
        .poll(async () => {
          const { rowCount } = await db.query(
            `update idempotency_keys set locked_until = now() - interval '1 second'
             where user_id = $1 and key = $2 and order_id is null`,
            [user.id, key],
          );
          return rowCount;
        }, poll)
        .toBe(1);
    } finally {
      await db.end();
    }
    const retry = await place(user, body, key);
    const original = await first;

    expect(retry.status).toBe(201);
    expect(original.status).toBe(409);
    const orders = await ordersOf(user);
    expect(orders).toHaveLength(1);
    expect((await env.peers.payments(orders[0]!.id)).length).toBe(1);
    const replay = await place(user, body, key);
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(orders[0]!.id);
  });
});

// Records written before migration 0008 hold the HTTP answer, not the outcome: a retry after an
// upgrade is still answered exactly as the first request was.
describe('Idempotency-Key records written before the outcome column', () => {
  const asRecordedBefore0008 = async (user: TestUser, key: string, first: HttpResponse) => {
    const db = new pg.Client({ connectionString: env.database.url });
    await db.connect();
    try {
      const { rowCount } = await db.query(
        `update idempotency_keys set outcome = null, response_status = $3, response_body = $4
         where user_id = $1 and key = $2 and outcome is not null`,
        [user.id, key, first.status, JSON.stringify(first.body)],
      );
      expect(rowCount).toBe(1);
    } finally {
      await db.end();
    }
  };

  it('replays a 201 and a 402 recorded as HTTP answers with the same status, body and headers', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '7.25', stock: 5 });
    const paidBody = orderBody([{ productId: product.id, quantity: 2 }]);
    const declinedBody = orderBody([{ productId: product.id, quantity: 1 }], {
      paymentMethod: 'pm_card_declined',
    });
    const [paidKey, declinedKey] = [newKey(), newKey()];
    const paid = await place(user, paidBody, paidKey);
    const declined = await place(user, declinedBody, declinedKey);
    await asRecordedBefore0008(user, paidKey, paid);
    await asRecordedBefore0008(user, declinedKey, declined);

    const paidAgain = await place(user, paidBody, paidKey);
    const declinedAgain = await place(user, declinedBody, declinedKey);

    expect([paid.status, paidAgain.status]).toEqual([201, 201]);
    expect(paidAgain.body).toEqual(paid.body);
    expect(paidAgain.headers.get('etag')).toBe(paid.headers.get('etag'));
    expect(paidAgain.headers.get('location')).toBe(paid.headers.get('location'));
    expect(paidAgain.headers.get('idempotent-replayed')).toBe('true');
    expect([declined.status, declinedAgain.status]).toEqual([402, 402]);
    expect(declinedAgain.body).toEqual(declined.body);
    expect(declinedAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(await ordersOf(user)).toHaveLength(2);
    expect(await env.peers.payments(paid.body.id)).toHaveLength(1);
    expect(await env.peers.requests('charge', declined.body.orderId)).toHaveLength(1);
    expect(await env.peers.stockOf(product.id)).toBe(3);
  });
});

describe('the Idempotency-Key lock', () => {
  it('outlasts the longest a create can take: every lookup attempt timing out, then the deadline', () => {
    const lock = (
      peerTimeoutMs: number,
      peerMaxAttempts: number,
      orderResponseDeadlineMs: number,
    ) => idempotencyLockSeconds({ peerTimeoutMs, peerMaxAttempts, orderResponseDeadlineMs });

    // 3 × 5 s lookups + 2 backoffs of at most 2 s + the 8 s deadline = 27 s, plus a 10 s margin.
    expect(lock(5_000, 3, 8_000)).toBe(37);
    expect(lock(30_000, 5, 8_000)).toBeGreaterThan(30 * 5 + 8);
    expect(lock(1_000, 1, 60_000)).toBeGreaterThan(61);
  });
});
