import { describe, expect, it } from 'vitest';
import { settleAndCompare } from '../support/order-event-sequence.js';
import { placeOrders } from '../support/order-load.js';
import { closeBrokerConnections, useEventCluster } from '../support/rabbitmq.js';
import { newUser } from '../support/tokens.js';

/**
 * Issue 15: the broker closing the service's connection (an operator, a broker restart, a node
 * failover) loses and reorders nothing: the relay reconnects and carries on. The connection is
 * closed with `rabbitmqctl close_connection`, picked out by the test's own exchange in its
 * connection_name, so the other files' connections on the shared broker are left alone.
 */
const events = useEventCluster('closed');
const { cluster, exchange } = events;

describe(
  'order events when the broker closes the connection (issue 15)',
  { timeout: 90_000 },
  () => {
    it('reconnects after each of three closes mid-run and delivers every event, in order per order', async ({
      annotate,
    }) => {
      const users = await Promise.all(Array.from({ length: 5 }, () => newUser()));
      const admin = await newUser('admin');
      const products = await Promise.all(
        [0, 1].map(() => cluster.peers.createProduct({ price: '4.40', stock: 10_000 })),
      );
      // Slow charges, two at a time, stretch the 100 orders (10 s or more) over the three closes,
      // each a couple of rabbitmqctl calls of ~0.7 s.
      await cluster.peers.fault({ operation: 'charge', mode: 'latency', latencyMs: 200 });
      const service = cluster.start();
      const url = service.ready();
      const load = placeOrders({
        count: 100,
        concurrency: 2,
        users,
        productIds: products.map((product) => product.id),
        target: () => url,
        admin,
        advanceTo: ['processing', 'shipped'],
      });

      const closedAt: number[] = [];
      for (const acknowledged of [15, 40, 65]) {
        await expect
          .poll(() => load.acknowledged(), { timeout: 30_000, interval: 20 })
          .toBeGreaterThanOrEqual(acknowledged);
        // The relay reconnects on its next publish: wait for its connection, then close it.
        await expect
          .poll(() => closeBrokerConnections(exchange, 'test: closed mid-run'), {
            timeout: 10_000,
            interval: 100,
          })
          .toBe(1);
        closedAt.push(load.acknowledged());
      }
      const totals = await load.done;
      await cluster.peers.clearFaults();
      const report = await settleAndCompare({
        baseUrl: await url,
        pool: cluster.pool,
        users,
        consumer: events.consumer,
        timeoutMs: 30_000,
      });

      const connects = service.output().match(/order events: connected to the broker/g) ?? [];
      const unreachable = service.output().match(/order events: broker unreachable/g) ?? [];
      await annotate(
        JSON.stringify({
          ...totals,
          closedAt,
          connects: connects.length,
          unreachable: unreachable.length,
          ...report,
          mismatches: [],
        }),
      );
      expect(totals.acknowledged).toBe(100);
      expect(closedAt).toHaveLength(3);
      expect(closedAt.at(-1)).toBeLessThan(100);
      expect(connects.length).toBeGreaterThanOrEqual(4);
      expect(report.orders).toBe(100);
      expect(report.mismatches).toEqual([]);
      expect(report.unequalCopies).toEqual([]);
      expect(report.expected).toBe(400);
      await service.kill('SIGTERM');
    });
  },
);
