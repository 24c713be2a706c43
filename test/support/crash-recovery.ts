import { afterEach, expect } from 'vitest';
import { checkInvariants, formatReport } from '../../src/invariants/check-invariants.js';
import { apiAs } from './http-client.js';
import type { OrderView } from './orders.js';
import type { ServiceProcess } from './service-process.js';
import { useProcessCluster } from './service-process.js';
import { orderBody } from './test-service.js';
import type { TestUser } from './tokens.js';

/**
 * The crash matrix's harness (docs/crash-matrix.md): a service process runs a saga up to a named
 * point (SAGA_TEST_PAUSE_AT), is SIGKILLed there, and a fresh process on the same database
 * must settle the order with peer-services.md's invariants intact and the sandbox's ledgers
 * showing each change applied once.
 */
const settle = { timeout: 30_000, interval: 100 };

/** What the sandbox peers applied for one order (a replayed call applies nothing). */
export type Ledger = {
  /** Applied stock decreases, by product id. */
  decreases: Record<number, number>;
  /** Applied stock increases (restocks), by product id. */
  increases: Record<number, number>;
  /** Applied charges: one payment each, declined ones included. */
  charges: number;
  chargedCents: number;
  refundedCents: number;
  /** Distinct Idempotency-Keys among the refund calls: a re-send carries the first one's. */
  refundKeys: number;
};

export function useCrashRecovery() {
  const cluster = useProcessCluster({ ORDER_RESPONSE_DEADLINE_MS: '20000' });
  const started: ServiceProcess[] = [];
  // Each test kills what it started, so no process of an earlier test recovers a later one's saga.
  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.kill('SIGKILL')));
    await cluster.peers.clearFaults();
  });
  const start = (extra: Record<string, string> = {}): ServiceProcess => {
    const service = cluster.start(extra);
    started.push(service);
    return service;
  };

  const unfinishedSagas = async (orderId: number): Promise<number> =>
    (
      await cluster.pool.query<{ n: number }>(
        `select count(*)::int as n from sagas
         where order_id = $1 and state in ('running', 'compensating')`,
        [orderId],
      )
    ).rows[0]?.n ?? -1;

  return {
    cluster,

    /** Two products with 10 in stock, at 12.50 and 0.30: an order of 2 of each is 25.60. */
    twoProducts: () =>
      Promise.all([
        cluster.peers.createProduct({ price: '12.50', stock: 10 }),
        cluster.peers.createProduct({ price: '0.30', stock: 10 }),
      ]),

    stockOf: (products: readonly { id: number }[]) =>
      Promise.all(products.map((product) => cluster.peers.stockOf(product.id))),

    /**
     * A process whose sagas stop forever at `point` (when given). Its recovery worker never comes round (the
     * first pass runs at start, before the test's order exists), so only the request's own run
     * reaches the point, once, and nothing else moves the saga before the kill.
     */
    doomed(point: string | undefined, extra: Record<string, string> = {}): ServiceProcess {
      const pause = point === undefined ? {} : { SAGA_TEST_PAUSE_AT: point };
      return start({ ...pause, SAGA_RECOVERY_INTERVAL_MS: '600000', ...extra });
    },

    /** Waits for the pause line and returns the order it names. */
    async pausedOrder(service: ServiceProcess, point: string): Promise<number> {
      await service.paused();
      const match = /SAGA_PAUSED point=(\S+) order=(\d+)/.exec(service.output());
      expect(match?.[1]).toBe(point);
      return Number(match?.[2]);
    },

    /** The one order `user` placed, read from the database (the process that took it is dead). */
    async orderOf(user: TestUser): Promise<number> {
      const { rows } = await cluster.pool.query<{ id: number }>(
        'select id from orders where user_id = $1',
        [user.id],
      );
      expect(rows).toHaveLength(1);
      return Number(rows[0]?.id);
    },

    /** SIGKILL: no shutdown hook, no flush, no lease given back. */
    async kill(service: ServiceProcess): Promise<void> {
      expect(await service.kill('SIGKILL')).toBeNull();
    },

    /** Posts an order without waiting for the answer: the process dies before it is sent. */
    placeWithoutWaiting(url: string, user: TestUser, productIds: readonly number[], extra = {}) {
      const items = productIds.map((productId) => ({ productId, quantity: 2 }));
      void apiAs(url, user.token)
        .post('/api/orders', orderBody(items, extra))
        .catch(() => undefined);
    },

    /**
     * Starts a fresh process on the same database and waits until the order is in `status`, its
     * sagas finished and the invariant checker, reading the sandbox's ledgers, finds nothing.
     * Returns the fresh process's URL.
     */
    async recover(user: TestUser, orderId: number, status: string): Promise<string> {
      const url = await start().ready();
      await expect
        .poll(
          async () =>
            (await apiAs(url, user.token).get<OrderView>(`/api/orders/${orderId}`)).body.status,
          settle,
        )
        .toBe(status);
      await expect.poll(() => unfinishedSagas(orderId), settle).toBe(0);
      const report = await checkInvariants({
        db: cluster.pool,
        productServiceUrl: cluster.sandbox.productUrl,
        paymentServiceUrl: cluster.sandbox.paymentUrl,
        orderIds: [orderId],
      });
      expect(report.violations, formatReport(report)).toEqual([]);
      expect(report.mode).toBe('sandbox-ledgers');
      expect(report.checked.orders).toBe(1);
      return url;
    },

    async ledgerOf(orderId: number): Promise<Ledger> {
      const { peers } = cluster;
      const [stock, payments, net, refunds] = await Promise.all([
        peers.stockLedger(orderId),
        peers.payments(orderId),
        peers.netCharge(orderId),
        peers.requests('refund', orderId),
      ]);
      const countOf = (kind: 'decrease' | 'increase') => {
        const counts: Record<number, number> = {};
        for (const change of stock.filter((entry) => entry.kind === kind)) {
          counts[change.productId] = (counts[change.productId] ?? 0) + 1;
        }
        return counts;
      };
      return {
        decreases: countOf('decrease'),
        increases: countOf('increase'),
        charges: payments.length,
        chargedCents: net.chargedCents,
        refundedCents: net.refundedCents,
        refundKeys: new Set(refunds.map((call) => call.idempotencyKey)).size,
      };
    },
  };
}

/** `{ [id]: times }` for each product: what Ledger's stock counts look like when each applied. */
export const each = (products: readonly { id: number }[], times = 1): Record<number, number> =>
  Object.fromEntries(products.map((product) => [product.id, times]));
