import { describe, expect, it } from 'vitest';
import { checkInvariants, formatReport } from '../../src/invariants/check-invariants.js';
import { apiAs } from '../support/http-client.js';
import { useProcessCluster } from '../support/service-process.js';
import { orderBody } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

/** Several replicas on one database (issue #3): leases, takeover, fencing. */
const cluster = useProcessCluster();
const start = (extra?: Record<string, string>) => cluster.start(extra);
const settle = { timeout: 45_000, interval: 200 };

const unfinishedSagas = async (orderIds: readonly number[]): Promise<number> =>
  (
    await cluster.pool.query<{ n: number }>(
      `select count(*)::int as n from sagas
       where order_id = any($1::bigint[]) and state in ('running', 'compensating')`,
      [orderIds],
    )
  ).rows[0]?.n ?? -1;

async function expectInvariants(orderIds: readonly number[]) {
  const report = await checkInvariants({
    db: cluster.pool,
    productServiceUrl: cluster.sandbox.productUrl,
    paymentServiceUrl: cluster.sandbox.paymentUrl,
    orderIds,
  });
  expect(report.violations, formatReport(report)).toEqual([]);
  expect(report.checked.orders).toBe(orderIds.length);
}

describe('replicas', { timeout: 120_000 }, () => {
  it('loses no order and breaks no invariant while one of two replicas is killed and restarted in a loop', async () => {
    const steady = start();
    const steadyUrl = await steady.ready();
    const products = await Promise.all(
      [0, 1, 2].map(() => cluster.peers.createProduct({ price: '7.25', stock: 1000 })),
    );
    // Slow charges keep sagas in flight when the other replica dies.
    await cluster.peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 300 });
    const placed: number[] = [];
    const users = await Promise.all(Array.from({ length: 6 }, () => newUser()));

    for (let round = 0; round < 3; round += 1) {
      const flaky = start();
      const flakyUrl = await flaky.ready();
      const requests = users.flatMap((user, index) =>
        [flakyUrl, steadyUrl].map(async (url) => {
          const product = products[(index + round) % products.length];
          const response = await apiAs(url, user.token)
            .post('/api/orders', orderBody([{ productId: product?.id ?? 0, quantity: 1 + round }]))
            .catch(() => undefined);
          return response;
        }),
      );
      // Kill the flaky replica while its orders are mid-saga.
      await expect
        .poll(
          async () =>
            (await cluster.peers.requests('charge')).filter((call) => call.status === null).length,
          settle,
        )
        .toBeGreaterThan(0);
      await flaky.kill('SIGKILL');
      await Promise.all(requests);
    }
    await cluster.peers.clearFaults();
    for (const user of users) {
      const list = await apiAs(steadyUrl, user.token).get('/api/orders?limit=100');
      placed.push(...(list.body.data as { id: number }[]).map((order) => order.id));
    }

    // the steady replica alone stores 6 orders a round; the killed one stores some of its 6
    expect(placed.length).toBeGreaterThanOrEqual(18);
    await expect.poll(() => unfinishedSagas(placed), settle).toBe(0);
    await expectInvariants(placed);
    const { rows } = await cluster.pool.query<{ status: string }>(
      'select status from orders where id = any($1::bigint[])',
      [placed],
    );
    expect(rows.every((row) => ['paid', 'failed', 'cancelled'].includes(row.status))).toBe(true);
  });

  it('fences a replica paused past its lease: no step recorded twice, no second charge', async () => {
    const paused = start();
    const other = start();
    const [pausedUrl] = await Promise.all([paused.ready(), other.ready()]);
    const user = await newUser();
    const product = await cluster.peers.createProduct({ price: '19.00', stock: 5 });
    await cluster.peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 4000, count: 1 });
    const chargesBefore = (await cluster.peers.requests('charge')).length;

    const answer = apiAs(pausedUrl, user.token)
      .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]))
      .catch(() => undefined);
    await expect
      .poll(async () => (await cluster.peers.requests('charge')).length, settle)
      .toBeGreaterThan(chargesBefore);
    paused.child.kill('SIGSTOP');
    const [orderId] = (
      await cluster.pool.query<{ id: number }>(`select o.id from orders o where o.user_id = $1`, [
        user.id,
      ])
    ).rows.map((row) => row.id);
    if (orderId === undefined) throw new Error('the order was not stored');
    // The other replica takes the saga over once the paused one's 2 s lease lapses.
    await expect
      .poll(
        async () =>
          (
            await cluster.pool.query<{ status: string }>(
              'select status from orders where id = $1',
              [orderId],
            )
          ).rows[0]?.status,
        settle,
      )
      .toBe('paid');
    paused.child.kill('SIGCONT');
    await answer;
    // Resumed, the paused replica gets its charge answer and tries to record it: refused.
    await expect.poll(() => paused.output(), settle).toMatch(/saga lease lost/);

    const payments = await cluster.peers.payments(orderId);
    expect(payments).toHaveLength(1);
    // The outcomes-only log: one row per step, both written by the statement that marked the
    // order paid (one transaction, one `now()`). The resumed replica's answer is refused with its
    // lease, so it records nothing: no checkpoint, no second charge row.
    const { rows: logged } = await cluster.pool.query<{
      step: string;
      outcome: string;
      detail: unknown;
      withMarkPaid: boolean;
    }>(
      `select l.step, l.outcome, l.detail, l.at = o.updated_at as "withMarkPaid"
       from saga_log l join sagas s on s.id = l.saga_id join orders o on o.id = s.order_id
       where s.order_id = $1 order by l.step, l.id`,
      [orderId],
    );
    expect(logged).toEqual([
      {
        step: 'charge',
        outcome: 'charged',
        detail: expect.objectContaining({ paymentId: payments[0]?.id }),
        withMarkPaid: true,
      },
      {
        step: 'decrease-stock',
        outcome: 'changed',
        detail: { items: { [product.id]: 'changed' } },
        withMarkPaid: true,
      },
    ]);
    await expect.poll(() => unfinishedSagas([orderId]), settle).toBe(0);
    await expectInvariants([orderId]);
  });
});
