import { describe, expect, it } from 'vitest';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService({ orderResponseDeadlineMs: 1000, sagaDeadlineMs: 2500 });
// Retries back off (1 s doubling) and the payment breaker opens for 10 s after five failures.
const poll = { timeout: 75_000, interval: 200 };

describe('the saga deadline (SAGA_DEADLINE_MS)', { timeout: 120_000 }, () => {
  it('never guesses a charge: stays pending while payment answers nothing, then refunds and fails', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '6.00', stock: 3 });
    // Every charge is applied, but no answer gets back.
    await env.peers.fault({ operation: 'charge', mode: 'process-then-error', status: 503 });

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));
    expect(placed.status).toBe(202);
    const admin = await newUser('admin');
    // Past its deadline the saga turns to compensating: it re-sends the charge to learn its fate.
    await expect
      .poll(async () => {
        const sagas = await env
          .api(admin.token)
          .get('/api/admin/sagas?state=compensating&limit=100');
        return (sagas.body.data as { orderId: number }[]).some(
          (saga) => saga.orderId === placed.body.id,
        );
      }, poll)
      .toBe(true);
    const meanwhile = await env.api(user.token).get(`/api/orders/${placed.body.id}`);

    expect(meanwhile.body.status).toBe('pending');

    await env.peers.clearFaults();

    await expect
      .poll(
        async () => (await env.api(user.token).get(`/api/orders/${placed.body.id}`)).body.status,
        poll,
      )
      .toBe('failed');
    expect(await env.peers.payments(placed.body.id)).toHaveLength(1);
    expect(await env.peers.netCharge(placed.body.id)).toMatchObject({
      chargedCents: 600,
      netCents: 0,
    });
    expect(await env.peers.stockOf(product.id)).toBe(3);
    const history = await env.api(user.token).get(`/api/orders/${placed.body.id}/history`);
    expect(history.body.data.at(-1)).toMatchObject({
      from: 'pending',
      to: 'failed',
      actor: 'system',
      reason: 'deadline',
    });
  });
});
