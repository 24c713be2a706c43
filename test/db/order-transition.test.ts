import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { orderId, productId, userId } from '../../src/domain/ids.js';
import { cents } from '../../src/domain/money.js';
import type { Order } from '../../src/domain/order.js';
import type { OrderStatus } from '../../src/domain/order-status.js';
import { statusesInto } from '../../src/domain/order-status.js';
import { findOrder } from '../../src/db/order-repository.js';
import { claimOrderForSaga, transitionOrder } from '../../src/db/order-transition-repository.js';
import type { Pool, PoolClient } from '../../src/db/pool.js';
import { useMigratedDatabase } from '../support/test-database.js';

/**
 * The one guarded transition (issue 12) on a real PostgreSQL: a cancel saga's claim and an
 * admin's forward move of the same order, sent at the same moment on two connections, and with
 * one of them holding its row lock while the other arrives. Exactly one wins, the loser changes
 * nothing, and the history never leaves the status the winner left.
 */
const { pool } = useMigratedDatabase(6);

const rounds = 60;

async function orderIn(status: OrderStatus): Promise<Order> {
  const { rows } = await pool.query<{ id: number }>(
    `insert into orders (user_id, status, total_amount, currency, shipping_address, payment_id)
     values (42, $1, '10.00', 'USD', '{}', 'pay_1') returning id`,
    [status],
  );
  const id = orderId(rows[0]!.id);
  await pool.query(
    `insert into order_items (order_id, product_id, quantity, price) values ($1, 1, 1, '10.00')`,
    [id],
  );
  return (await findOrder(pool, id))!;
}

const claim = (db: Pool | PoolClient, order: Order) =>
  claimOrderForSaga(db, {
    order,
    from: statusesInto('cancelled'),
    kind: 'cancel',
    actor: 'user:42',
    reason: null,
    requestId: null,
    lease: { leaseToken: randomUUID(), leaseSeconds: 30, deadlineMs: 60_000 },
    traceparent: null,
  });

const ship = (db: Pool | PoolClient, order: Order) =>
  transitionOrder(
    db,
    {
      order,
      to: 'shipped',
      from: statusesInto('shipped'),
      actor: 'admin:1',
      reason: null,
      traceparent: null,
    },
    { recordsEvent: false },
  );

async function stateOf(order: Order) {
  const { rows } = await pool.query<{ status: string; held: number | null; sagas: number }>(
    `select status, held_by_saga_id as held,
       (select count(*)::int from sagas s where s.order_id = o.id) as sagas
     from orders o where id = $1`,
    [order.id],
  );
  const history = await pool.query<{ from_status: string; to_status: string }>(
    'select from_status, to_status from order_status_history where order_id = $1 order by id',
    [order.id],
  );
  return { ...rows[0]!, history: history.rows };
}

/** Runs `first` in a transaction that holds its row lock until `second` has been sent. */
async function withLockHeld<T>(
  first: (tx: PoolClient) => Promise<T>,
  second: () => Promise<unknown>,
) {
  const tx = await pool.connect();
  try {
    await tx.query('begin');
    const firstResult = await first(tx);
    const secondResult = second();
    // The second statement is now waiting on the row lock (pg_locks shows it) or done.
    await expect
      .poll(async () => {
        const { rows } = await pool.query<{ n: number }>(
          `select count(*)::int as n from pg_locks where not granted and locktype = 'transactionid'`,
        );
        return rows[0]!.n;
      })
      .toBeGreaterThan(0);
    await tx.query('commit');
    return { firstResult, secondResult: await secondResult };
  } finally {
    tx.release();
  }
}

describe('one guarded transition: a cancel claim and a forward move', () => {
  it(`lets exactly one win when both arrive at the same moment (${rounds} rounds)`, async () => {
    const outcomes = { claim: 0, ship: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const order = await orderIn('processing');

      const [claimed, shipped] = await Promise.all([claim(pool, order), ship(pool, order)]);

      const state = await stateOf(order);
      if (claimed !== undefined) {
        outcomes.claim += 1;
        expect(shipped.kind).toBe('refused');
        expect(state).toMatchObject({ status: 'processing', held: claimed.id, sagas: 1 });
        expect(state.history).toEqual([]);
      } else {
        outcomes.ship += 1;
        expect(shipped.kind).toBe('moved');
        expect(state).toMatchObject({ status: 'shipped', held: null, sagas: 0 });
        expect(state.history).toEqual([{ from_status: 'processing', to_status: 'shipped' }]);
      }
    }
    expect(outcomes.claim + outcomes.ship).toBe(rounds);
  });

  it('refuses the forward move that waited on a claim holding the row lock', async () => {
    const order = await orderIn('processing');

    const { firstResult, secondResult } = await withLockHeld(
      (tx) => claim(tx, order),
      () => ship(pool, order),
    );

    expect(firstResult).toBeDefined();
    expect(secondResult).toEqual({ kind: 'refused' });
    expect(await stateOf(order)).toMatchObject({ status: 'processing', sagas: 1, history: [] });
  });

  it('refuses the claim that waited on a forward move holding the row lock', async () => {
    const order = await orderIn('processing');

    const { firstResult, secondResult } = await withLockHeld(
      (tx) => ship(tx, order),
      () => claim(pool, order),
    );

    expect(firstResult.kind).toBe('moved');
    expect(secondResult).toBeUndefined();
    expect(await stateOf(order)).toMatchObject({ status: 'shipped', held: null, sagas: 0 });
  });

  it('lets one of two claims win, so two cancels never refund twice', async () => {
    for (let round = 0; round < 20; round += 1) {
      const order = await orderIn('paid');

      const claims = await Promise.all([claim(pool, order), claim(pool, order)]);

      expect(claims.filter((saga) => saga !== undefined)).toHaveLength(1);
      expect((await stateOf(order)).sagas).toBe(1);
    }
  });

  it('never moves an order out of a final status, whatever the caller read', async () => {
    const order = await orderIn('processing');
    await pool.query(`update orders set status = 'cancelled' where id = $1`, [order.id]);

    expect(await ship(pool, order)).toEqual({ kind: 'refused' });
    expect(await claim(pool, order)).toBeUndefined();
    expect((await stateOf(order)).status).toBe('cancelled');
    expect(userId(42)).toBe(order.userId);
    expect(order.items).toEqual([
      { productId: productId(1), quantity: 1, priceCents: cents(1000) },
    ]);
  });
});
