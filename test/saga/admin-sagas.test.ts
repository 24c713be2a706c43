import { describe, expect, it } from 'vitest';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService({ orderResponseDeadlineMs: 1000, sagaRecoveryIntervalMs: 60_000 });
const poll = { timeout: 10_000 };

describe('GET /api/admin/sagas and POST /api/admin/sagas/:id/retry', () => {
  it('lists a stuck saga with its step, attempts, next attempt and last error, and retries it now', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const product = await env.peers.createProduct({ price: '2.00', stock: 2 });
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 503 });

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));
    const listed = await env.api(admin.token).get('/api/admin/sagas?limit=100');

    expect(placed.status).toBe(202);
    expect(listed.status).toBe(200);
    const saga = listed.body.data.find(
      (entry: { orderId: number }) => entry.orderId === placed.body.id,
    );
    expect(saga).toMatchObject({
      kind: 'place',
      state: 'running',
      step: 'charge',
      attempts: 1,
      lastError: 'charge: unknown',
    });
    expect(Date.parse(saga.nextAttemptAt)).toBeGreaterThan(Date.now() - 60_000);

    await env.peers.clearFaults();
    // The recovery loop runs once a minute in this file: only the retry can move the saga now.
    await expect
      .poll(
        async () => (await env.api(admin.token).post(`/api/admin/sagas/${saga.id}/retry`)).status,
        poll,
      )
      .toBe(202);

    await expect
      .poll(
        async () => (await env.api(user.token).get(`/api/orders/${placed.body.id}`)).body.status,
        poll,
      )
      .toBe('paid');
    const retryFinished = await env.api(admin.token).post(`/api/admin/sagas/${saga.id}/retry`);
    expect(retryFinished.status).toBe(409);
    const completed = await env.api(admin.token).get('/api/admin/sagas?state=completed&limit=100');
    expect(completed.body.data.map((entry: { id: number }) => entry.id)).toContain(saga.id);
  });

  it('refuses users with 403, a missing saga with 404 and a bad state with 400', async () => {
    const user = await newUser();
    const admin = await newUser('admin');

    const asUser = await env.api(user.token).get('/api/admin/sagas');
    const retryAsUser = await env.api(user.token).post('/api/admin/sagas/1/retry');
    const missing = await env.api(admin.token).post('/api/admin/sagas/999999999/retry');
    const badState = await env.api(admin.token).get('/api/admin/sagas?state=stuck-ish');
    const anonymous = await env.api().get('/api/admin/sagas');

    expect(asUser.status).toBe(403);
    expect(retryAsUser.status).toBe(403);
    expect(missing.status).toBe(404);
    expect(badState.status).toBe(400);
    expect(anonymous.status).toBe(401);
  });
});
