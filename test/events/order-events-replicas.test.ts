import { describe, expect, it } from 'vitest';
import { settleAndCompare } from '../support/order-event-sequence.js';
import { placeOrders } from '../support/order-load.js';
import { parseExposition } from '../support/prometheus.js';
import { useEventCluster } from '../support/rabbitmq.js';
import { newUser } from '../support/tokens.js';

/**
 * Issue 15: with several replicas relaying from the same table to the same exchange, each
 * order's events still arrive in order: a replica claims an order's next event only once the one
 * before it is confirmed (order-event-repository.ts). The load is spread so that an order's
 * changes are made by different replicas, and every replica's relay is kicked by its own writes.
 */
/** order_events_published_total of one replica, all types. */
async function publishedCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const family = parseExposition(text).get('order_events_published_total');
  return (family?.samples ?? []).reduce((sum, sample) => sum + sample.value, 0);
}

const events = useEventCluster('replicas');
const { cluster } = events;

describe('order events from several replicas (issue 15)', { timeout: 90_000 }, () => {
  it('keeps each order’s events in order when three replicas relay at once', async ({
    annotate,
  }) => {
    const users = await Promise.all(Array.from({ length: 6 }, () => newUser()));
    const admin = await newUser('admin');
    const products = await Promise.all(
      [0, 1, 2].map(() => cluster.peers.createProduct({ price: '5.00', stock: 10_000 })),
    );
    const replicas = [cluster.start(), cluster.start(), cluster.start()];
    const urls = await Promise.all(replicas.map((replica) => replica.ready()));
    const load = placeOrders({
      count: 120,
      concurrency: 9,
      users,
      productIds: products.map((product) => product.id),
      // POST on one replica, each PATCH on the next: an order's events are written by all three.
      target: (index) => Promise.resolve(urls[index % urls.length] ?? ''),
      admin,
      advanceTo: ['processing', 'shipped', 'delivered'],
    });

    const totals = await load.done;
    const report = await settleAndCompare({
      baseUrl: urls[0] ?? '',
      pool: cluster.pool,
      users,
      consumer: events.consumer,
      timeoutMs: 30_000,
    });

    const publishedBy = await Promise.all(urls.map(publishedCount));
    await annotate(JSON.stringify({ ...totals, publishedBy, ...report, mismatches: [] }));
    expect(totals.acknowledged).toBe(120);
    expect(report.orders).toBe(120);
    expect(report.expected).toBe(5 * 120);
    expect(report.mismatches).toEqual([]);
    expect(report.unequalCopies).toEqual([]);
    // Each replica relayed a share, so orders' events did pass from one relay to another.
    expect(publishedBy.filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    await Promise.all(replicas.map((replica) => replica.kill('SIGTERM')));
  });
});
