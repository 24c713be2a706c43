import { describe, expect, it } from 'vitest';
import { checkInvariants, formatReport } from '../../src/invariants/check-invariants.js';
import { apiAs } from '../support/http-client.js';
import { useProcessCluster } from '../support/service-process.js';
import { orderBody } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

/**
 * The crash matrix (issue #3): the service runs as a real process, a saga stops at a named
 * point (SAGA_TEST_PAUSE_AT), the process is SIGKILLed there, a fresh process starts on the same
 * database, and the order must settle with the invariant checker finding nothing.
 */
const cluster = useProcessCluster({ ORDER_RESPONSE_DEADLINE_MS: '20000' });
const start = (extra?: Record<string, string>) => cluster.start(extra);
const settle = { timeout: 30_000, interval: 100 };

async function twoProducts() {
  return Promise.all([
    cluster.peers.createProduct({ price: '12.50', stock: 10 }),
    cluster.peers.createProduct({ price: '0.30', stock: 10 }),
  ]);
}

/** Places an order on `service` without waiting for an answer (the process dies first). */
function placeWithoutWaiting(url: string, user: TestUser, productIds: number[], extra = {}) {
  void apiAs(url, user.token)
    .post(
      '/api/orders',
      orderBody(
        productIds.map((productId) => ({ productId, quantity: 2 })),
        extra,
      ),
    )
    .catch(() => undefined);
}

async function orderIdsOf(user: TestUser, url: string): Promise<number[]> {
  const list = await apiAs(url, user.token).get('/api/orders');
  return (list.body.data as { id: number }[]).map((order) => order.id);
}

/** Restarts on the same database, waits for the user's one order to reach `status`. */
async function recoverAndSettle(user: TestUser, status: string) {
  const survivor = start();
  const url = await survivor.ready();
  const [orderId] = await orderIdsOf(user, url);
  if (orderId === undefined) throw new Error('the order was not stored');
  await expect
    .poll(
      async () => (await apiAs(url, user.token).get(`/api/orders/${orderId}`)).body.status,
      settle,
    )
    .toBe(status);
  await expect
    .poll(
      async () =>
        (
          await cluster.pool.query(
            `select count(*)::int as n from sagas where order_id = $1 and state in ('running', 'compensating')`,
            [orderId],
          )
        ).rows[0].n,
      settle,
    )
    .toBe(0);
  const report = await checkInvariants({
    db: cluster.pool,
    productServiceUrl: cluster.sandbox.productUrl,
    paymentServiceUrl: cluster.sandbox.paymentUrl,
    orderIds: [orderId],
  });
  expect(report.violations, formatReport(report)).toEqual([]);
  expect(report.mode).toBe('sandbox-ledgers');
  return { orderId, url, survivor };
}

async function crashAt(point: string, user: TestUser, productIds: number[], extra = {}) {
  const doomed = start({ SAGA_TEST_PAUSE_AT: point });
  placeWithoutWaiting(await doomed.ready(), user, productIds, extra);
  await doomed.paused();
  expect(await doomed.kill('SIGKILL')).toBeNull();
}

describe('crash recovery: SIGKILL at each saga boundary, then restart', { timeout: 60_000 }, () => {
  it('after the order is stored, before any peer call: ends paid', async () => {
    const user = await newUser();
    const products = await twoProducts();

    await crashAt(
      'stored',
      user,
      products.map((p) => p.id),
    );
    const { orderId } = await recoverAndSettle(user, 'paid');

    expect((await cluster.peers.netCharge(orderId)).netCents).toBe(2 * 1250 + 2 * 30);
  });

  it('after some stock was decreased: ends paid, each item decreased once', async () => {
    const user = await newUser();
    const products = await twoProducts();

    await crashAt(
      'recorded:decrease-stock',
      user,
      products.map((p) => p.id),
    );
    const { orderId } = await recoverAndSettle(user, 'paid');

    const ledger = await cluster.peers.stockLedger(orderId);
    expect(ledger.filter((entry) => entry.kind === 'decrease')).toHaveLength(2);
  });

  it('while the payment call is in flight: ends paid with one charge', async () => {
    const user = await newUser();
    const products = await twoProducts();
    const doomed = start();
    await cluster.peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 1500, count: 1 });

    placeWithoutWaiting(
      await doomed.ready(),
      user,
      products.map((p) => p.id),
    );
    await expect
      .poll(
        async () => (await cluster.peers.requests('charge')).some((call) => call.status === null),
        settle,
      )
      .toBe(true);
    await doomed.kill('SIGKILL');
    const { orderId } = await recoverAndSettle(user, 'paid');

    expect(await cluster.peers.payments(orderId)).toHaveLength(1);
    expect((await cluster.peers.netCharge(orderId)).netCents).toBe(2560);
  });

  it('after the payment succeeded but before it was recorded: ends paid with one charge', async () => {
    const user = await newUser();
    const products = await twoProducts();

    await crashAt(
      'after:charge',
      user,
      products.map((p) => p.id),
    );
    const { orderId } = await recoverAndSettle(user, 'paid');

    expect(await cluster.peers.payments(orderId)).toHaveLength(1);
  });

  it('after a declined payment, before it was recorded: ends failed with all stock back', async () => {
    const user = await newUser();
    const products = await twoProducts();

    await crashAt(
      'after:charge',
      user,
      products.map((p) => p.id),
      { paymentMethod: 'pm_card_declined' },
    );
    await recoverAndSettle(user, 'failed');

    expect(await Promise.all(products.map((p) => cluster.peers.stockOf(p.id)))).toEqual([10, 10]);
  });

  it('after paid, before the notification left: delivers order.paid once', async () => {
    const user = await newUser();
    const products = await twoProducts();
    await cluster.peers.fault({ operation: 'notify', mode: 'error', status: 503 });

    await crashAt(
      'recorded:mark-paid',
      user,
      products.map((p) => p.id),
    );
    await cluster.peers.clearFaults();
    const { orderId } = await recoverAndSettle(user, 'paid');

    await expect
      .poll(
        async () => (await cluster.peers.notifications(orderId)).map((n) => n.type).sort(),
        settle,
      )
      .toEqual(['order.created', 'order.paid']);
  });

  it('in the middle of a cancellation (refunded, not restocked): ends cancelled, refunded once', async () => {
    const user = await newUser();
    const products = await twoProducts();
    const doomed = start({ SAGA_TEST_PAUSE_AT: 'recorded:refund' });
    const url = await doomed.ready();
    const placed = await apiAs(url, user.token).post(
      '/api/orders',
      orderBody(products.map((p) => ({ productId: p.id, quantity: 2 }))),
    );
    expect(placed.status).toBe(201);

    void apiAs(url, user.token)
      .post(`/api/orders/${placed.body.id}/cancel`)
      .catch(() => undefined);
    await doomed.paused();
    await doomed.kill('SIGKILL');
    await recoverAndSettle(user, 'cancelled');

    const payments = await cluster.peers.payments(placed.body.id);
    expect(payments).toHaveLength(1);
    expect((await cluster.peers.netCharge(placed.body.id)).refundedCents).toBe(2560);
    expect(await Promise.all(products.map((p) => cluster.peers.stockOf(p.id)))).toEqual([10, 10]);
  });
});
