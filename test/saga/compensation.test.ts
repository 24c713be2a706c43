import { describe, expect, it } from 'vitest';
import { request } from '../support/http-client.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService({ orderResponseDeadlineMs: 1500 });
// Retries back off (1 s doubling) and the payment breaker opens for 10 s after five failures:
// after the faults clear, the next try may be half a minute away on a loaded machine.
const poll = { timeout: 75_000, interval: 200 };

describe('compensations that keep failing', { timeout: 120_000 }, () => {
  it('answers 202 to a cancel while refund and restock fail, then ends cancelled with one refund', async () => {
    const user = await newUser();
    const products = await Promise.all([
      env.peers.createProduct({ price: '8.00', stock: 4 }),
      env.peers.createProduct({ price: '2.50', stock: 4 }),
    ]);
    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody(products.map((p) => ({ productId: p.id, quantity: 2 }))));
    expect(placed.status).toBe(201);
    await env.peers.fault({ operation: 'refund', mode: 'error', status: 503 });
    await env.peers.fault({ operation: 'increaseStock', mode: 'error', status: 503 });

    const cancel = await env.api(user.token).post(`/api/orders/${placed.body.id}/cancel`);

    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe('paid');
    await expect
      .poll(async () => (await env.peers.requests('refund', placed.body.id)).length, poll)
      .toBeGreaterThanOrEqual(4);
    expect((await env.api(user.token).get(`/api/orders/${placed.body.id}`)).body.status).toBe(
      'paid',
    );
    // The refund comes back first; the restocks keep failing, and the order waits for them.
    await request(env.sandbox.paymentUrl, 'DELETE', '/__sandbox/faults');
    await expect
      .poll(async () => (await env.peers.requests('increaseStock', placed.body.id)).length, poll)
      .toBeGreaterThanOrEqual(4);
    expect((await env.api(user.token).get(`/api/orders/${placed.body.id}`)).body.status).toBe(
      'paid',
    );
    expect((await env.peers.netCharge(placed.body.id)).netCents).toBe(0);

    await env.peers.clearFaults();

    await expect
      .poll(
        async () => (await env.api(user.token).get(`/api/orders/${placed.body.id}`)).body.status,
        poll,
      )
      .toBe('cancelled');
    const refunds = await env.peers.requests('refund', placed.body.id);
    expect(new Set(refunds.map((call) => call.idempotencyKey)).size).toBe(1);
    expect(await env.peers.netCharge(placed.body.id)).toMatchObject({
      refundedCents: 2100,
      netCents: 0,
    });
    expect(await Promise.all(products.map((p) => env.peers.stockOf(p.id)))).toEqual([4, 4]);
  });
});
