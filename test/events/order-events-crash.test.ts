import { describe, expect, it } from 'vitest';
import { settleAndCompare } from '../support/order-event-sequence.js';
import { placeOrders } from '../support/order-load.js';
import { useEventCluster } from '../support/rabbitmq.js';
import { newUser } from '../support/tokens.js';

/**
 * Issue 15: events are published at least once and in order per order, even across a crash. The
 * service process is SIGKILLed while orders are placed and their events relayed (claimed events
 * leased, publishes unconfirmed, confirmed ones not yet marked), and a fresh process on the same
 * database takes over once the leases (SAGA_LEASE_MS, 2 s here) lapse.
 */
const events = useEventCluster('crash');
const { cluster } = events;

describe('order events across a crash (issue 15)', { timeout: 90_000 }, () => {
  it('delivers every stored change at least once, in order per order, when the service is SIGKILLed mid-run and restarted', async ({
    annotate,
  }) => {
    const users = await Promise.all(Array.from({ length: 10 }, () => newUser()));
    const admin = await newUser('admin');
    const products = await Promise.all(
      [0, 1, 2, 3].map(() => cluster.peers.createProduct({ price: '3.10', stock: 10_000 })),
    );
    const first = cluster.start();
    let target = first.ready();
    const load = placeOrders({
      count: 200,
      concurrency: 8,
      users,
      productIds: products.map((product) => product.id),
      target: () => target,
      admin,
      advanceTo: ['processing'],
    });

    // Mid-run: orders still being placed, and the relay busy publishing.
    await expect
      .poll(() => load.acknowledged() >= 50 && events.consumer.received.length >= 30, {
        timeout: 30_000,
        interval: 20,
      })
      .toBe(true);
    // Orders not yet sent wait for the successor instead of failing against a dead port.
    let resume: (url: Promise<string>) => void = () => undefined;
    target = new Promise((resolve) => {
      resume = resolve;
    });
    const atKill = { acknowledged: load.acknowledged(), received: events.consumer.received.length };
    expect(await first.kill('SIGKILL')).toBeNull();
    const restarted = cluster.start();
    resume(restarted.ready());
    const totals = await load.done;
    const report = await settleAndCompare({
      baseUrl: await target,
      pool: cluster.pool,
      users,
      consumer: events.consumer,
      timeoutMs: 30_000,
    });

    await annotate(JSON.stringify({ ...totals, atKill, ...report, mismatches: undefined }));
    expect(totals.failed + totals.acknowledged).toBe(200);
    expect(report.orders).toBeGreaterThanOrEqual(totals.acknowledged);
    expect(report.mismatches).toEqual([]);
    expect(report.unequalCopies).toEqual([]);
    expect(report.expected).toBeGreaterThanOrEqual(2 * totals.acknowledged);
  });
});
