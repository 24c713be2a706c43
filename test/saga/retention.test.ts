import { describe, expect, it } from 'vitest';
import { createProducts, declinedCard, historyOf, placePaidOrder } from '../support/orders.js';
import { scrapeValue } from '../support/prometheus.js';
import { orderBody, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

// Issue 13, point 7: the recovery worker deletes finished sagas, their log and delivered outbox
// rows once they are older than their retention age. A pass may start at every tick here.
const env = useTestService({
  retention: { isEnabled: true, intervalMs: 1, sagaDays: 30, outboxDays: 7 },
});
const poll = { timeout: 15_000 };

const rowsOf = async (table: 'sagas' | 'outbox' | 'order_status_history', orderIds: number[]) =>
  (await env.service.pool.query(`select 1 from ${table} where order_id = any($1)`, [orderIds]))
    .rowCount ?? 0;

const logRowsOf = async (orderIds: number[]) =>
  (
    await env.service.pool.query(
      'select 1 from saga_log l join sagas s on s.id = l.saga_id where s.order_id = any($1)',
      [orderIds],
    )
  ).rowCount ?? 0;

async function deletedRows(table: string): Promise<number> {
  return (await scrapeValue(env.url, 'retention_deleted_rows_total', { table })) ?? NaN;
}

describe('retention of finished sagas and delivered notifications', () => {
  it('deletes the sagas, saga log and delivered outbox rows of old finished orders, and keeps the orders and their history', async () => {
    const user = await newUser();
    const paid = await placePaidOrder(env, user);
    const [product] = await createProducts(env, [{ price: '3.00', stock: 5, quantity: 1 }]);
    const declined = await env
      .api(user.token)
      .post(
        '/api/orders',
        orderBody([{ productId: product!.id, quantity: 1 }], { paymentMethod: declinedCard }),
      );
    const recent = await placePaidOrder(env, user);
    expect(declined.status).toBe(402);
    const aged = [paid.order.id, (declined.body as { orderId: number }).orderId];
    const all = [...aged, recent.order.id];
    await expect
      .poll(
        async () =>
          (
            await env.service.pool.query(
              `select 1 from outbox where order_id = any($1) and delivered_at is null
               union all
               select 1 from sagas where order_id = any($1) and state not in ('completed', 'failed')`,
              [all],
            )
          ).rowCount,
        poll,
      )
      .toBe(0);
    const history = await historyOf(env, user, paid.order.id);
    const historyRows = await rowsOf('order_status_history', all);
    const recentRows = [
      await rowsOf('sagas', [recent.order.id]),
      await logRowsOf([recent.order.id]),
      await rowsOf('outbox', [recent.order.id]),
    ];
    const agedRows = [
      await rowsOf('sagas', aged),
      await logRowsOf(aged),
      await rowsOf('outbox', aged),
    ];
    const before = {
      sagas: await deletedRows('sagas'),
      sagaLog: await deletedRows('saga_log'),
      outbox: await deletedRows('outbox'),
    };
    expect(agedRows.every((count) => count > 0)).toBe(true);

    await env.service.pool.query(
      `update sagas set updated_at = now() - interval '31 days' where order_id = any($1)`,
      [aged],
    );
    await env.service.pool.query(
      `update outbox set delivered_at = now() - interval '8 days' where order_id = any($1)`,
      [aged],
    );

    await expect.poll(() => rowsOf('sagas', aged), poll).toBe(0);
    await expect.poll(() => rowsOf('outbox', aged), poll).toBe(0);
    expect(await logRowsOf(aged)).toBe(0);
    expect([
      await rowsOf('sagas', [recent.order.id]),
      await logRowsOf([recent.order.id]),
      await rowsOf('outbox', [recent.order.id]),
    ]).toEqual(recentRows);
    expect(await rowsOf('order_status_history', all)).toBe(historyRows);
    expect(await historyOf(env, user, paid.order.id)).toEqual(history);
    expect((await env.api(user.token).get(`/api/orders/${paid.order.id}`)).status).toBe(200);
    // This file's database holds no other old rows: the counters grow by exactly these.
    await expect.poll(() => deletedRows('sagas'), poll).toBe(before.sagas + agedRows[0]!);
    await expect.poll(() => deletedRows('saga_log'), poll).toBe(before.sagaLog + agedRows[1]!);
    await expect.poll(() => deletedRows('outbox'), poll).toBe(before.outbox + agedRows[2]!);
  });
});
