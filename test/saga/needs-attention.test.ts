import { describe, expect, it } from 'vitest';
import type { TestService } from '../support/test-service.js';
import { orderBody, useTestService } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';
import { historyOf, placePaidOrder, statusOf } from '../support/orders.js';
import { scrapeValue } from '../support/prometheus.js';

// Issue 13, point 2: a peer answer no retry can fix (a 4xx the contract gives no meaning) stops
// the saga's retries and parks it, `needs-attention`, until an admin retries or resolves it.
const env = useTestService({ orderResponseDeadlineMs: 1000, sagaRecoveryIntervalMs: 100 });
const poll = { timeout: 15_000 };

type SagaView = {
  id: number;
  orderId: number;
  kind: string;
  state: string;
  step: string;
  peerAnswer: { service: string; operation: string; status: number } | null;
  log?: { step: string; outcome: string; detail: Record<string, unknown> }[];
};

async function parkedSagaOf(admin: TestUser, orderId: number): Promise<SagaView> {
  let found: SagaView | undefined;
  await expect
    .poll(async () => {
      const listed = await env
        .api(admin.token)
        .get<{ data: SagaView[] }>('/api/admin/sagas?state=needs-attention&limit=100');
      found = listed.body.data.find((saga) => saga.orderId === orderId);
      return found !== undefined;
    }, poll)
    .toBe(true);
  if (found === undefined) throw new Error('unreachable');
  return found;
}

async function metricValue(
  service: TestService,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  return (await scrapeValue(service.url, name, labels)) ?? 0;
}

/** Waits until the recovery loop has made `passes` more passes (each could have re-sent). */
async function afterRecoveryPasses(passes: number): Promise<void> {
  const runs = () => metricValue(env, 'saga_recovery_runs_total', { outcome: 'completed' });
  const start = await runs();
  await expect.poll(runs, poll).toBeGreaterThanOrEqual(start + passes);
}

describe('a peer answer no retry can fix parks the saga (needs-attention)', () => {
  it('a charge answered 403 is not retried: the saga is listed, counted, and an admin retry after the fix pays it once', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const product = await env.peers.createProduct({ price: '4.25', stock: 3 });
    const parkedBefore = await metricValue(env, 'saga_parked_total', {
      kind: 'place',
      service: 'payment',
      operation: 'charge',
    });
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 403 });

    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 2 }]));

    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('pending');
    const orderId = placed.body.id as number;
    const saga = await parkedSagaOf(admin, orderId);
    expect(saga).toMatchObject({
      kind: 'place',
      state: 'needs-attention',
      step: 'charge',
      peerAnswer: { service: 'payment', operation: 'charge', status: 403 },
    });
    const chargesSent = (await env.peers.requests('charge', orderId)).length;
    await afterRecoveryPasses(3);
    expect((await env.peers.requests('charge', orderId)).length).toBe(chargesSent);
    expect(await statusOf(env, user, orderId)).toBe('pending');
    expect(await env.peers.stockOf(product.id)).toBe(1);
    expect(
      await metricValue(env, 'sagas_needs_attention', { kind: 'place', step: 'charge' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await metricValue(env, 'saga_parked_total', {
        kind: 'place',
        service: 'payment',
        operation: 'charge',
      }),
    ).toBe(parkedBefore + 1);

    await env.peers.clearFaults();
    const retried = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${saga.id}/retry`, { reason: 'payment credentials rotated' });

    expect(retried.status).toBe(202);
    await expect.poll(() => statusOf(env, user, orderId), poll).toBe('paid');
    expect(await env.peers.payments(orderId)).toHaveLength(1);
    expect(await env.peers.netCharge(orderId)).toMatchObject({ netCents: 850 });
    const detail = await env.api(admin.token).get<SagaView>(`/api/admin/sagas/${saga.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.state).toBe('completed');
    expect(detail.body.log).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: 'charge', outcome: 'rejected' }),
        expect.objectContaining({
          step: 'admin',
          outcome: 'retry',
          detail: expect.objectContaining({
            actor: `admin:${admin.id}`,
            reason: 'payment credentials rotated',
          }),
        }),
      ]),
    );
  });

  it('a refund answered 400 parks the cancel: the order stays held, and a retry after the fix cancels it with one refund', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const { order, products } = await placePaidOrder(env, user, [
      { price: '3.00', stock: 4, quantity: 2 },
    ]);
    await env.peers.fault({ operation: 'refund', mode: 'error', status: 400 });

    const cancelled = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});

    expect(cancelled.status).toBe(202);
    const saga = await parkedSagaOf(admin, order.id);
    expect(saga).toMatchObject({
      kind: 'cancel',
      state: 'needs-attention',
      step: 'refund',
      peerAnswer: { service: 'payment', operation: 'refund', status: 400 },
    });
    const refundsSent = (await env.peers.requests('refund', order.id)).length;
    await afterRecoveryPasses(3);
    expect((await env.peers.requests('refund', order.id)).length).toBe(refundsSent);
    // The accepted cancel still holds the order: it may not move forward meanwhile.
    const forward = await env
      .api(admin.token)
      .patch(`/api/orders/${order.id}/status`, { status: 'processing' });
    expect(forward.status).toBe(409);

    await env.peers.clearFaults();
    const retried = await env.api(admin.token).post(`/api/admin/sagas/${saga.id}/retry`);

    expect(retried.status).toBe(202);
    await expect.poll(() => statusOf(env, user, order.id), poll).toBe('cancelled');
    expect(await env.peers.netCharge(order.id)).toMatchObject({ netCents: 0 });
    expect(await env.peers.stockOf(products[0]!.id)).toBe(4);
  });

  it('resolving a charge refused with 401 fails the order with its stock restored, no charge, and the admin in the history', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const product = await env.peers.createProduct({ price: '9.10', stock: 5 });
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 401 });
    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 3 }]));
    const orderId = placed.body.id as number;
    const saga = await parkedSagaOf(admin, orderId);

    const resolved = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${saga.id}/resolve`, { reason: 'merchant account suspended' });

    expect(resolved.status).toBe(202);
    await expect.poll(() => statusOf(env, user, orderId), poll).toBe('failed');
    expect(await env.peers.stockOf(product.id)).toBe(5);
    expect(await env.peers.netCharge(orderId)).toMatchObject({ chargedCents: 0, netCents: 0 });
    const history = await historyOf(env, user, orderId);
    expect(history.at(-1)).toMatchObject({
      from: 'pending',
      to: 'failed',
      actor: `admin:${admin.id}`,
      reason: 'merchant account suspended',
    });
    const again = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${saga.id}/resolve`, { reason: 'twice' });
    expect(again.status).toBe(409);
  });

  it('a stock decrease refused with 422 parks the saga; a cancel meanwhile answers 202 and the resolve ends it cancelled, restocking only what was taken', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const taken = await env.peers.createProduct({ price: '1.00', stock: 6 });
    const refused = await env.peers.createProduct({ price: '2.00', stock: 6 });
    await env.peers.fault({
      operation: 'decreaseStock',
      mode: 'error',
      status: 422,
      match: { productId: refused.id },
    });
    const placed = await env.api(user.token).post(
      '/api/orders',
      orderBody([
        { productId: taken.id, quantity: 2 },
        { productId: refused.id, quantity: 1 },
      ]),
    );
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as number;
    const saga = await parkedSagaOf(admin, orderId);
    expect(saga).toMatchObject({
      step: 'decrease-stock',
      peerAnswer: { service: 'product', operation: 'decreaseStock', status: 422 },
    });

    const cancel = await env
      .api(user.token)
      .post(`/api/orders/${orderId}/cancel`, { reason: 'changed my mind' });
    expect(cancel.status).toBe(202);
    expect(cancel.body.status).toBe('pending');
    const resolved = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${saga.id}/resolve`, { reason: 'product withdrawn' });

    expect(resolved.status).toBe(202);
    await expect.poll(() => statusOf(env, user, orderId), poll).toBe('cancelled');
    expect(await env.peers.stockOf(taken.id)).toBe(6);
    expect(await env.peers.stockOf(refused.id)).toBe(6);
    expect(await env.peers.payments(orderId)).toHaveLength(0);
    expect((await historyOf(env, user, orderId)).at(-1)).toMatchObject({
      to: 'cancelled',
      actor: `user:${user.id}`,
      reason: 'changed my mind',
    });
  });

  it('retry and resolve of one parked saga at once: one of them takes it, and the order ends as that one says', async () => {
    const admin = await newUser('admin');
    for (let round = 0; round < 5; round += 1) {
      const user = await newUser();
      const product = await env.peers.createProduct({ price: '1.50', stock: 2 });
      await env.peers.fault({ operation: 'charge', mode: 'error', status: 403 });
      const placed = await env
        .api(user.token)
        .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));
      const orderId = placed.body.id as number;
      const saga = await parkedSagaOf(admin, orderId);
      await env.peers.clearFaults();

      const [retry, resolve] = await Promise.all([
        env.api(admin.token).post(`/api/admin/sagas/${saga.id}/retry`),
        env.api(admin.token).post(`/api/admin/sagas/${saga.id}/resolve`, { reason: 'race' }),
      ]);

      // The resolve takes it (202) or finds it taken (409). A retry that comes second finds an
      // unfinished saga no longer parked and only makes it due now (202), or finds it taken (409).
      expect([202, 409]).toContain(resolve.status);
      expect([202, 409]).toContain(retry.status);
      if (resolve.status === 409) expect(retry.status).toBe(202);
      const end = resolve.status === 202 ? 'failed' : 'paid';
      await expect.poll(() => statusOf(env, user, orderId), poll).toBe(end);
      expect(await env.peers.netCharge(orderId)).toMatchObject({
        netCents: end === 'paid' ? 150 : 0,
      });
      expect(await env.peers.stockOf(product.id)).toBe(end === 'paid' ? 1 : 2);
    }
  });

  it('refuses a resolve of a saga that is not parked (409), without a reason (400), of a missing saga (404), by a user (403)', async () => {
    const user = await newUser();
    const admin = await newUser('admin');
    const product = await env.peers.createProduct({ price: '2.00', stock: 2 });
    await env.peers.fault({ operation: 'charge', mode: 'error', status: 503 });
    const placed = await env
      .api(user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));
    const listed = await env
      .api(admin.token)
      .get<{ data: SagaView[] }>('/api/admin/sagas?limit=100');
    const running = listed.body.data.find((saga) => saga.orderId === placed.body.id);
    if (running === undefined) throw new Error('the 202 left no unfinished saga');

    const notParked = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${running.id}/resolve`, { reason: 'x' });
    const noReason = await env.api(admin.token).post(`/api/admin/sagas/${running.id}/resolve`, {});
    const missing = await env
      .api(admin.token)
      .post('/api/admin/sagas/999999999/resolve', { reason: 'x' });
    const asUser = await env
      .api(user.token)
      .post(`/api/admin/sagas/${running.id}/resolve`, { reason: 'x' });

    const unstorable = await env
      .api(admin.token)
      .post(`/api/admin/sagas/${running.id}/retry`, { reason: 'rotated\u0000keys' });
    expect(unstorable.status).toBe(400);
    expect(unstorable.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect(notParked.status).toBe(409);
    expect(notParked.body.type).toBe('/problems/saga-not-parked');
    expect(noReason.status).toBe(400);
    expect(missing.status).toBe(404);
    expect(asUser.status).toBe(403);
  });
});
