import { describe, expect, it } from 'vitest';
import { each, useCrashRecovery } from '../support/crash-recovery.js';
import { declinedCard } from '../support/orders.js';
import { setStock } from '../support/product-stock.js';
import { newUser } from '../support/tokens.js';

/**
 * The crash matrix of a place saga (docs/crash-matrix.md): the service process is SIGKILLed at
 * each point between two writes, or between a write and a peer call, and a fresh process on the
 * same database settles the order. Two 2-unit items of 12.50 and 0.30: 25.60 in all.
 */
const crash = useCrashRecovery();
const totalCents = 2 * 1250 + 2 * 30;
const paidOnce = (products: readonly { id: number }[]) => ({
  decreases: each(products),
  increases: {},
  charges: 1,
  chargedCents: totalCents,
  refundedCents: 0,
  refundKeys: 0,
});
// A declined charge is one payment at the peer that took nothing.
const declinedAndRestocked = (products: readonly { id: number }[]) => ({
  decreases: each(products),
  increases: each(products),
  charges: 1,
  chargedCents: 0,
  refundedCents: 0,
  refundKeys: 0,
});

const { twoProducts, stockOf } = crash;

/**
 * Places a new user's order (2 of each product, `body` added) on a process that stops at
 * `point` (`env` added to its environment), and kills it there.
 */
async function crashAt(
  point: string,
  products: readonly { id: number }[],
  { body = {}, env = {} }: { body?: Record<string, string>; env?: Record<string, string> } = {},
) {
  const user = await newUser();
  const doomed = crash.doomed(point, env);
  const ids = products.map((product) => product.id);
  crash.placeWithoutWaiting(await doomed.ready(), user, ids, body);
  const orderId = await crash.pausedOrder(doomed, point);
  await crash.kill(doomed);
  return { user, orderId };
}

/**
 * Two items, one of which the peer refuses: its stock is sold elsewhere while its decrease is
 * on the way (place-order.test.ts, "stock runs out after storing"). Killed at `point`.
 */
async function crashWithOneItemShort(point: string) {
  const user = await newUser();
  const plenty = await crash.cluster.peers.createProduct({ price: '1.00', stock: 10 });
  const scarce = await crash.cluster.peers.createProduct({ price: '2.00', stock: 3 });
  const doomed = crash.doomed(point, { PEER_TIMEOUT_MS: '5000' });
  await crash.cluster.peers.fault({
    operation: 'decreaseStock',
    mode: 'latency',
    latencyMs: 1500,
    count: 1,
    match: { productId: scarce.id },
  });

  crash.placeWithoutWaiting(await doomed.ready(), user, [plenty.id, scarce.id]);
  await expect
    .poll(async () =>
      (await crash.cluster.peers.requests('decreaseStock')).some(
        (call) => call.productId === scarce.id && call.status === null,
      ),
    )
    .toBe(true);
  await setStock(crash.cluster.sandbox, scarce.id, 1);
  const orderId = await crash.pausedOrder(doomed, point);
  await crash.kill(doomed);
  return { user, orderId, plenty, scarce };
}

describe(
  'crash recovery of a place saga: SIGKILL, then a fresh process',
  { timeout: 90_000 },
  () => {
    it('after the order is stored, before any peer call: ends paid', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('stored', products);
      await crash.recover(user, orderId, 'paid');

      expect(await crash.ledgerOf(orderId)).toEqual(paidOnce(products));
    });

    it('after the peer decreased the stock, with nothing recorded: ends paid, each item decreased once', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('after:decrease-stock', products);
      await crash.recover(user, orderId, 'paid');

      expect(await crash.ledgerOf(orderId)).toEqual(paidOnce(products));
      expect(await stockOf(products)).toEqual([8, 8]);
    });

    it('while the payment call is in flight: ends paid with one charge', async () => {
      const user = await newUser();
      const products = await twoProducts();
      const doomed = crash.doomed(undefined);
      await crash.cluster.peers.fault({
        operation: 'charge',
        mode: 'latency',
        latencyMs: 1500,
        count: 1,
      });

      crash.placeWithoutWaiting(
        await doomed.ready(),
        user,
        products.map((p) => p.id),
      );
      await expect
        .poll(async () => (await crash.cluster.peers.requests('charge')).some(isInFlight))
        .toBe(true);
      await crash.kill(doomed);
      const orderId = await crash.orderOf(user);
      await crash.recover(user, orderId, 'paid');

      expect(await crash.ledgerOf(orderId)).toEqual(paidOnce(products));
    });

    it('after the payment succeeded, before it was recorded: ends paid with one charge', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('after:charge', products);
      await crash.recover(user, orderId, 'paid');

      expect(await crash.ledgerOf(orderId)).toEqual(paidOnce(products));
    });

    it('after a charge that got no answer was checkpointed: re-sends it and ends paid with one charge', async () => {
      const products = await twoProducts();
      // The peer charges, then answers 503: an unknown outcome, saved for a retry with the same key.
      await crash.cluster.peers.fault({
        operation: 'charge',
        mode: 'process-then-error',
        status: 503,
        count: 1,
      });

      // One attempt per call, so that 503 is the process's last word on the charge.
      const { user, orderId } = await crashAt('recorded:charge', products, {
        env: { PEER_MAX_ATTEMPTS: '1' },
      });
      await crash.recover(user, orderId, 'paid');

      expect(await crash.ledgerOf(orderId)).toEqual(paidOnce(products));
      const keys = (await crash.cluster.peers.requests('charge', orderId)).map(
        (call) => call.idempotencyKey,
      );
      expect(keys).toHaveLength(2);
      expect(new Set(keys).size).toBe(1);
    });

    it('after paid was committed, before the notification left: delivers order.paid once', async () => {
      const products = await twoProducts();
      await crash.cluster.peers.fault({ operation: 'notify', mode: 'error', status: 503 });

      const { user, orderId } = await crashAt('recorded:mark-paid', products);
      await crash.cluster.peers.clearFaults();
      await crash.recover(user, orderId, 'paid');

      // The notifications refused with 503 before the crash wait out their backoff (up to 2 s
      // after one attempt, doubling) before the relay sends them again.
      await expect
        .poll(
          async () => (await crash.cluster.peers.notifications(orderId)).map((n) => n.type).sort(),
          { timeout: 15_000 },
        )
        .toEqual(['order.created', 'order.paid']);
      expect(await crash.ledgerOf(orderId)).toEqual(paidOnce(products));
    });

    it('after a declined payment, before it was recorded: ends failed with all stock back', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('after:charge', products, {
        body: { paymentMethod: declinedCard },
      });
      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toEqual(declinedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after a declined payment was checkpointed, before any restock: ends failed with all stock back', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('recorded:charge', products, {
        body: { paymentMethod: declinedCard },
      });
      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toEqual(declinedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after the restock of a declined order, before failed was recorded: restocks once', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('after:increase-stock', products, {
        body: { paymentMethod: declinedCard },
      });
      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toEqual(declinedAndRestocked(products));
      expect(await stockOf(products)).toEqual([10, 10]);
    });

    it('after failed was committed for a declined order: nothing more happens, restocked once', async () => {
      const products = await twoProducts();

      const { user, orderId } = await crashAt('recorded:finish', products, {
        body: { paymentMethod: declinedCard },
      });
      const increasesBefore = await crash.cluster.peers.requests('increaseStock', orderId);
      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toEqual(declinedAndRestocked(products));
      expect(await crash.cluster.peers.requests('increaseStock', orderId)).toHaveLength(
        increasesBefore.length,
      );
    });

    it('after one item was refused, before it was recorded: ends failed, the other restocked once', async () => {
      const { user, orderId, plenty, scarce } = await crashWithOneItemShort('after:decrease-stock');

      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toMatchObject({
        decreases: each([plenty]),
        increases: each([plenty]),
        charges: 0,
      });
      expect(await stockOf([plenty, scarce])).toEqual([10, 1]);
    });

    it('after a refused item was checkpointed, before the restock: ends failed, the other restocked once', async () => {
      const { user, orderId, plenty, scarce } =
        await crashWithOneItemShort('recorded:decrease-stock');

      await crash.recover(user, orderId, 'failed');

      expect(await crash.ledgerOf(orderId)).toMatchObject({
        decreases: each([plenty]),
        increases: each([plenty]),
        charges: 0,
      });
      expect(await stockOf([plenty, scarce])).toEqual([10, 1]);
    });
  },
);

const isInFlight = (call: { status: number | null }): boolean => call.status === null;
