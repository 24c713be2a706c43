import { describe, expect, it } from 'vitest';
import { each, useCrashRecovery } from '../support/crash-recovery.js';
import { apiAs, request } from '../support/http-client.js';
import type { OrderView } from '../support/orders.js';
import { orderBody } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

/**
 * The crash matrix of compensations (docs/crash-matrix.md): a paid order is cancelled on a
 * process that is SIGKILLed at each point between the claim, the peer calls and the finish; a
 * place saga that must refund is killed likewise. A fresh process on the same database settles
 * the order. Two 2-unit items of 12.50 and 0.30: 25.60.
 */
const crash = useCrashRecovery();
const totalCents = 2 * 1250 + 2 * 30;
const refundedAndRestocked = (products: readonly { id: number }[]) => ({
  decreases: each(products),
  increases: each(products),
  charges: 1,
  chargedCents: totalCents,
  refundedCents: totalCents,
  refundKeys: 1,
});

/**
 * Places a paid order on a process whose sagas stop at `point` (no place saga passes it), asks
 * to cancel it there, and kills the process once the cancel saga reached the point.
 */
async function crashCancellingAt(point: string, env: Record<string, string> = {}) {
  const user = await newUser();
  const products = await crash.twoProducts();
  const doomed = crash.doomed(point, env);
  const api = apiAs(await doomed.ready(), user.token);
  const placed = await api.post<OrderView>(
    '/api/orders',
    orderBody(products.map((product) => ({ productId: product.id, quantity: 2 }))),
  );
  expect(placed.status).toBe(201);

  void api.post(`/api/orders/${placed.body.id}/cancel`).catch(() => undefined);
  expect(await crash.pausedOrder(doomed, point)).toBe(placed.body.id);
  await crash.kill(doomed);
  return { user, orderId: placed.body.id, products };
}

const { stockOf } = crash;

describe(
  'crash recovery of compensations: SIGKILL, then a fresh process',
  { timeout: 90_000 },
  () => {
    it('after the cancel claimed the order, before the refund: ends cancelled, refunded and restocked once', async () => {
      const { user, orderId, products } = await crashCancellingAt('claimed');

      await crash.recover(user, orderId, 'cancelled');

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after the peer refunded, with nothing recorded: ends cancelled, refunded and restocked once', async () => {
      const { user, orderId, products } = await crashCancellingAt('after:refund');

      await crash.recover(user, orderId, 'cancelled');

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after a refund that got no answer was checkpointed: re-sends it and ends cancelled, refunded once', async () => {
      // The peer refunds, then answers 503; one attempt per call makes that the process's last word.
      await crash.cluster.peers.fault({
        operation: 'refund',
        mode: 'process-then-error',
        status: 503,
        count: 1,
      });

      const { user, orderId, products } = await crashCancellingAt('recorded:refund', {
        PEER_MAX_ATTEMPTS: '1',
      });
      await crash.recover(user, orderId, 'cancelled');

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await crash.cluster.peers.requests('refund', orderId)).toHaveLength(2);
    });

    it('after the peer restocked, before cancelled was recorded: ends cancelled, restocked once', async () => {
      const { user, orderId, products } = await crashCancellingAt('after:increase-stock');

      await crash.recover(user, orderId, 'cancelled');

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after a restock that got no answer was checkpointed: re-sends it and ends cancelled, restocked once', async () => {
      await crash.cluster.peers.fault({
        operation: 'increaseStock',
        mode: 'process-then-error',
        status: 503,
        count: 1,
      });

      const { user, orderId, products } = await crashCancellingAt('recorded:increase-stock', {
        PEER_MAX_ATTEMPTS: '1',
      });
      await crash.recover(user, orderId, 'cancelled');

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after cancelled was committed: nothing more happens, no second refund or restock', async () => {
      const { user, orderId, products } = await crashCancellingAt('recorded:finish');
      const callsBefore = await peerCallsOf(orderId);

      const url = await crash.recover(user, orderId, 'cancelled');
      // The fresh process's recovery worker has passed over the order a few times.
      await expect.poll(() => recoveryPasses(url), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
      await expect
        .poll(
          async () => (await crash.cluster.peers.notifications(orderId, 'order.cancelled')).length,
          { timeout: 15_000 },
        )
        .toBe(1);

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await peerCallsOf(orderId)).toEqual(callsBefore);
      const history = await apiAs(url, user.token).get<{ data: { to: string }[] }>(
        `/api/orders/${orderId}/history`,
      );
      expect(history.body.data.map((entry) => entry.to)).toEqual(['pending', 'paid', 'cancelled']);
    });

    it('with a cancel requested while the place saga holds the pending order (charged, not recorded): ends cancelled, refunded once', async () => {
      const user = await newUser();
      const products = await crash.twoProducts();
      const doomed = crash.doomed('after:charge');
      const url = await doomed.ready();
      crash.placeWithoutWaiting(
        url,
        user,
        products.map((p) => p.id),
      );
      const orderId = await crash.pausedOrder(doomed, 'after:charge');

      // Recorded on the place saga, whose runner stays paused with its lease; the request waits.
      // (Had the lease lapsed first, the cancel's own run would re-send the same steps and stop
      // at the same point: the state after the kill is the same.)
      void apiAs(url, user.token)
        .post(`/api/orders/${orderId}/cancel`)
        .catch(() => undefined);
      await expect.poll(() => isCancelRequested(orderId)).toBe(true);
      await crash.kill(doomed);
      await crash.recover(user, orderId, 'cancelled');

      expect(await crash.ledgerOf(orderId)).toEqual(refundedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after the refund of a charge of the wrong amount, with nothing recorded: ends failed, refunded once', async () => {
      const user = await newUser();
      const products = await crash.twoProducts();
      await crash.cluster.peers.fault({
        operation: 'charge',
        mode: 'wrong-amount',
        amount: '1.00',
        count: 1,
      });
      const doomed = crash.doomed('after:refund');

      crash.placeWithoutWaiting(
        await doomed.ready(),
        user,
        products.map((p) => p.id),
      );
      const orderId = await crash.pausedOrder(doomed, 'after:refund');
      await crash.kill(doomed);
      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toEqual({
        ...refundedAndRestocked(products),
        chargedCents: 100,
        refundedCents: 100,
      });
      expect(await stockOf(products)).toEqual([10, 10]);
    });
  },
);

/** How many refund and restock calls the peers received for the order, replays included. */
async function peerCallsOf(orderId: number) {
  const [refunds, increases] = await Promise.all([
    crash.cluster.peers.requests('refund', orderId),
    crash.cluster.peers.requests('increaseStock', orderId),
  ]);
  return { refunds: refunds.length, increases: increases.length };
}

/** The passes a process's recovery worker completed, from its /metrics. */
async function recoveryPasses(url: string): Promise<number> {
  const { text } = await request(url, 'GET', '/metrics');
  const line = /^saga_recovery_runs_total\{outcome="completed"\} (\S+)$/m.exec(text);
  return Number(line?.[1] ?? 0);
}

async function isCancelRequested(orderId: number): Promise<boolean> {
  const { rows } = await crash.cluster.pool.query<{ requested: boolean }>(
    `select cancel_requested is not null as requested from sagas
     where order_id = $1 and kind = 'place'`,
    [orderId],
  );
  return rows[0]?.requested ?? false;
}
