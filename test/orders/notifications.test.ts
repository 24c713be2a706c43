import { describe, expect, it } from 'vitest';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();
const poll = { timeout: 15_000 };

describe('notifications (transactional outbox)', () => {
  it('never fails an order while the Notification Service is down, and delivers once it is back', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '4.00', stock: 3 });
    await env.peers.fault({ operation: 'notify', mode: 'error', status: 503 });

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('paid');
    await expect
      .poll(async () => (await env.peers.requests('notify', placed.body.id)).length, poll)
      .toBeGreaterThan(0);
    expect(await env.peers.notifications(placed.body.id)).toEqual([]);

    await env.peers.clearFaults();

    await expect
      .poll(
        async () => (await env.peers.notifications(placed.body.id)).map((n) => n.type).sort(),
        poll,
      )
      .toEqual(['order.created', 'order.paid']);
  });

  it('sends every attempt of one notification with the same Idempotency-Key', async () => {
    const user = await newUser();
    const product = await env.peers.createProduct({ price: '4.00', stock: 3 });
    await env.peers.fault({ operation: 'notify', mode: 'process-then-error', count: 2 });

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

    await expect
      .poll(
        async () => (await env.peers.notifications(placed.body.id)).map((n) => n.type).sort(),
        poll,
      )
      .toEqual(['order.created', 'order.paid']);
    const calls = await env.peers.requests('notify', placed.body.id);
    const keysByType = new Map<string, Set<string | undefined>>();
    for (const call of calls) {
      const type = (call.body as { type: string }).type;
      keysByType.set(type, (keysByType.get(type) ?? new Set()).add(call.idempotencyKey));
    }
    expect([...keysByType.values()].map((keys) => keys.size)).toEqual([1, 1]);
    expect(calls.length).toBeGreaterThan(2);
  });
});
