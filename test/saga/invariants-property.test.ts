import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { checkInvariants, formatReport } from '../../src/invariants/check-invariants.js';
import type { RunningService } from '../../src/service.js';
import { startService } from '../../src/service.js';
import { apiAs } from '../support/http-client.js';
import type { FaultRule, SandboxClient } from '../support/sandbox-client.js';
import { sandboxClient } from '../support/sandbox-client.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';
import { orderBody, testServiceOptions } from '../support/test-service.js';
import type { TestUser } from '../support/tokens.js';
import { newUser } from '../support/tokens.js';

/**
 * Random sequences of creates, cancels, admin transitions, peer faults and abrupt restarts;
 * once everything settles, peer-services.md's invariants must hold (issue #3).
 */
let database: TestDatabase;
let sandbox: Sandbox;
let peers: SandboxClient;

beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startSandbox();
  peers = sandboxClient(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  await database.drop();
});

const startInstance = () =>
  startService(
    ...testServiceOptions(database.url, sandbox, {
      databasePoolMax: 5,
      peerTimeoutMs: 300,
      peerMaxAttempts: 2,
      orderResponseDeadlineMs: 1500,
      sagaRecoveryIntervalMs: 100,
      sagaLeaseMs: 1000,
    }),
  );

type Operation =
  | {
      kind: 'create';
      user: number;
      lines: { product: number; quantity: number }[];
      declined: boolean;
    }
  | { kind: 'cancel'; user: number; pick: number }
  | {
      kind: 'admin';
      pick: number;
      to: 'processing' | 'shipped' | 'delivered' | 'failed' | 'cancelled';
    }
  | { kind: 'fault'; rule: FaultRule }
  | { kind: 'restart' };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      user: fc.nat(2),
      lines: fc.uniqueArray(
        fc.record({ product: fc.nat(2), quantity: fc.integer({ min: 1, max: 3 }) }),
        {
          minLength: 1,
          maxLength: 3,
          selector: (line) => line.product,
        },
      ),
      declined: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), user: fc.nat(2), pick: fc.nat() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('admin' as const),
      pick: fc.nat(),
      to: fc.constantFrom('processing', 'shipped', 'delivered', 'failed', 'cancelled'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      rule: fc.record<FaultRule>({
        operation: fc.constantFrom('decreaseStock', 'increaseStock', 'charge', 'refund', 'notify'),
        mode: fc.constantFrom('error', 'process-then-error'),
        count: fc.integer({ min: 1, max: 4 }),
      }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

const initialStock = 6;

describe('invariants over random histories', () => {
  it('hold after any sequence of requests, peer faults and restarts, once settled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 3, maxLength: 14 }), async (operations) => {
        const products = await Promise.all(
          ['1.10', '0.20', '15.00'].map((price) =>
            peers.createProduct({ price, stock: initialStock }),
          ),
        );
        const users: TestUser[] = await Promise.all([0, 1, 2].map(() => newUser()));
        const admin = await newUser('admin');
        const orderIds: number[] = [];
        let instance: RunningService = await startInstance();
        try {
          for (const step of operations) {
            const api = (user: TestUser) => apiAs(instance.url, user.token);
            switch (step.kind) {
              case 'create': {
                const user = users[step.user] ?? admin;
                const body = orderBody(
                  step.lines.map((line) => ({
                    productId: products[line.product]?.id ?? 0,
                    quantity: line.quantity,
                  })),
                  step.declined ? { paymentMethod: 'pm_card_declined' } : {},
                );
                const response = await api(user).post('/api/orders', body);
                if (typeof response.body?.id === 'number' && response.status < 300)
                  orderIds.push(response.body.id);
                if (typeof response.body?.orderId === 'number')
                  orderIds.push(response.body.orderId);
                break;
              }
              case 'cancel': {
                const user = users[step.user] ?? admin;
                const mine = (await api(user).get('/api/orders?limit=100')).body.data as {
                  id: number;
                }[];
                const target = mine[step.pick % Math.max(mine.length, 1)];
                if (target !== undefined) await api(user).post(`/api/orders/${target.id}/cancel`);
                break;
              }
              case 'admin': {
                const target = orderIds[step.pick % Math.max(orderIds.length, 1)];
                if (target !== undefined)
                  await api(admin).patch(`/api/orders/${target}/status`, { status: step.to });
                break;
              }
              case 'fault':
                await peers.fault(step.rule);
                break;
              case 'restart':
                // Abrupt: in-flight background sagas lose their database and leases lapse.
                await instance.stop(0);
                instance = await startInstance();
                break;
            }
          }
          await peers.clearFaults();
          const ids = [...new Set(orderIds)];
          await expect
            .poll(
              async () =>
                (
                  await instance.pool.query<{ n: number }>(
                    `select count(*)::int as n from sagas
                     where order_id = any($1::bigint[]) and state in ('running', 'compensating')`,
                    [ids],
                  )
                ).rows[0]?.n,
              { timeout: 30_000, interval: 100 },
            )
            .toBe(0);
          const report = await checkInvariants({
            db: instance.pool,
            productServiceUrl: sandbox.productUrl,
            paymentServiceUrl: sandbox.paymentUrl,
            orderIds: ids,
          });
          expect(report.violations, formatReport(report)).toEqual([]);
          // Stock now = stock before − Σ quantities of orders that hold stock, per product.
          const { rows } = await instance.pool.query<{ product_id: number; held: number }>(
            `select i.product_id, sum(i.quantity)::int as held from order_items i join orders o on o.id = i.order_id
             where o.id = any($1::bigint[]) and o.status in ('paid', 'processing', 'shipped', 'delivered')
             group by i.product_id`,
            [ids],
          );
          for (const product of products) {
            const held = rows.find((row) => row.product_id === product.id)?.held ?? 0;
            expect(await peers.stockOf(product.id)).toBe(initialStock - held);
          }
        } finally {
          await peers.clearFaults();
          await instance.stop(0);
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 240_000);
});
