import { describe, expect, it } from 'vitest';
import type { OrderView } from '../support/orders.js';
import { createProducts, problemJson, refundsOf } from '../support/orders.js';
import { stockChangesOfProduct } from '../support/product-stock.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

// OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: racing for the last item and
// looping place/cancel are the two flows an automated client would abuse. Neither may oversell,
// charge twice, or leave money or stock behind.

const cycles = 50;
// The production default: 50 place/cancel cycles in well under a minute stay within it, so the
// rate limit does not stand in for the correctness checked here.
// A generous response deadline: twenty sagas at once on a loaded machine must still answer 201
// or 409, not 202.
const env = useTestService({ orderRateLimit: { perMinute: 60 }, orderResponseDeadlineMs: 15_000 });

describe('the last item, wanted by 20 users at once', () => {
  it('is sold once: one 201 paid, nineteen 409, stock 0 and one charge', async () => {
    const [product] = await createProducts(env, [{ price: '49.99', stock: 1, quantity: 1 }]);
    const productId = product!.id;
    const users = await Promise.all(Array.from({ length: 20 }, () => newUser()));

    const answers = await Promise.all(
      users.map((user) =>
        env.api(user.token).post('/api/orders', orderBody([{ productId, quantity: 1 }])),
      ),
    );

    const paid = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.body).toMatchObject({ status: 'paid' });
    expect(refused).toHaveLength(19);
    for (const answer of refused) {
      expect(answer.status, answer.text).toBe(409);
      expect(answer.headers.get('content-type')).toMatch(problemJson);
      expect(answer.body).toMatchObject({
        type: '/problems/insufficient-stock',
        productIds: [productId],
      });
    }
    expect(await env.peers.stockOf(productId)).toBe(0);
    const changes = await stockChangesOfProduct(env.sandbox, productId);
    const net = changes.reduce(
      (sum, change) => sum + (change.kind === 'decrease' ? change.quantity : -change.quantity),
      0,
    );
    expect(net).toBe(1);
    const orderIds = [
      paid[0]!.body.id as number,
      ...refused.flatMap((answer) => answer.body.orderId ?? []),
    ];
    const charges = (await env.peers.requests('charge')).filter((call) =>
      orderIds.includes(call.orderId ?? 0),
    );
    expect(charges.map((call) => call.orderId)).toEqual([paid[0]!.body.id]);
    for (const id of orderIds.slice(1)) {
      expect(await env.peers.netCharge(id)).toMatchObject({
        chargedCents: 0,
        refundedCents: 0,
        netCents: 0,
      });
    }
  });
});

describe(`${cycles} place/cancel cycles by one user`, () => {
  it('leave stock and money where they were, with exactly one refund per paid order', async () => {
    const user = await newUser();
    const [product] = await createProducts(env, [{ price: '12.34', stock: 3, quantity: 2 }]);
    const productId = product!.id;
    const orders: OrderView[] = [];

    for (let cycle = 0; cycle < cycles; cycle += 1) {
      const placed = await env
        .api(user.token)
        .post<OrderView>('/api/orders', orderBody([{ productId, quantity: 2 }]));
      expect(placed.status, placed.text).toBe(201);
      const cancelled = await env
        .api(user.token)
        .post<OrderView>(`/api/orders/${placed.body.id}/cancel`, {});
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      orders.push(placed.body);
    }

    expect(orders.every((order) => order.status === 'paid')).toBe(true);
    expect(await env.peers.stockOf(productId)).toBe(3);
    for (const order of orders) {
      expect(await env.peers.netCharge(order.id)).toMatchObject({
        chargedCents: 2468,
        refundedCents: 2468,
        netCents: 0,
      });
      expect(await refundsOf(env, order.id)).toBe(1);
    }
  }, 120_000);
});
