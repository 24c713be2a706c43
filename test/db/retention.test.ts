import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import type { Metrics, RetentionTable } from '../../src/observability/metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { RetentionOptions } from '../../src/saga/retention.js';
import { createRetention, deleteExpiredRows } from '../../src/saga/retention.js';
import { useMigratedDatabase } from '../support/test-database.js';

/**
 * Issue 13, point 7: finished sagas, their saga_log and delivered outbox rows no longer pile up.
 * Rows are seeded straight into the database with their ages set, then the retention runs.
 */
const { pool } = useMigratedDatabase(6);

const ages = { sagaDays: 30, outboxDays: 7 };
const logger = createLogger({ level: 'error', logDir: undefined, console: false });

type SagaSeed = { state: 'running' | 'compensating' | 'completed' | 'failed'; days: number };

/**
 * One order with its history, one saga `days` old (updated_at) with `logRows` log entries, and
 * one outbox row per entry of `outbox`: delivered that many days ago, or null for undelivered
 * (then created 60 days ago).
 */
async function seedOrder(seed: {
  saga: SagaSeed & { isParked?: boolean; logRows?: number };
  outbox?: (number | null)[];
}) {
  const { rows } = await pool.query<{ order_id: number; saga_id: number }>(
    `with o as (
       insert into orders (user_id, total_amount, currency, shipping_address, created_at)
       values (4242, 10.00, 'USD', '{"city":"Berlin"}', now() - interval '90 days')
       returning id),
     h as (
       insert into order_status_history (order_id, to_status, actor) select id, 'pending', 'system'
       from o),
     s as (
       insert into sagas (order_id, kind, state, step, actor, deadline_at, updated_at,
         parked_at, next_attempt_at)
       select id, 'place', $1, 'charge', 'system', now(), now() - make_interval(secs => $2::float8 * 86400),
         case when $3 then now() - interval '60 days' end,
         case when $3 then 'infinity'::timestamptz else now() end
       from o
       returning id, order_id)
     select order_id, id as saga_id from s`,
    [seed.saga.state, seed.saga.days, seed.saga.isParked ?? false],
  );
  const { order_id: orderId, saga_id: sagaId } = rows[0]!;
  await pool.query(
    `insert into saga_log (saga_id, step, phase, outcome)
     select $1, 'charge', 'outcome', 'done' from generate_series(1, $2)`,
    [sagaId, seed.saga.logRows ?? 2],
  );
  const outboxIds: number[] = [];
  for (const deliveredDaysAgo of seed.outbox ?? []) {
    const inserted = await pool.query<{ id: number }>(
      `insert into outbox (order_id, user_id, type, created_at, delivered_at)
       values ($1, 4242, 'order.created', now() - interval '60 days',
         now() - make_interval(secs => $2::float8 * 86400))
       returning id`,
      [orderId, deliveredDaysAgo],
    );
    outboxIds.push(inserted.rows[0]!.id);
  }
  return { orderId, sagaId, outboxIds };
}

const existing = async (table: 'orders' | 'sagas' | 'outbox', ids: number[]) =>
  (
    await pool.query<{ id: number }>(`select id from ${table} where id = any($1) order by id`, [
      ids,
    ])
  ).rows.map((row) => row.id);

const logRowsOf = async (sagaIds: number[]) =>
  (await pool.query('select 1 from saga_log where saga_id = any($1)', [sagaIds])).rowCount;

const historyRowsOf = async (orderIds: number[]) =>
  (await pool.query('select 1 from order_status_history where order_id = any($1)', [orderIds]))
    .rowCount;

async function counted(metrics: Metrics, table: RetentionTable): Promise<number | undefined> {
  const { values } = await metrics.retentionDeletedRows.get();
  return values.find((value) => value.labels.table === table)?.value;
}

describe('the retention job', () => {
  it('deletes exactly the finished sagas and delivered outbox rows past their age, over several batches', async () => {
    // Seeded in turn, so each batch (2 rows) has kept rows between the ones it deletes.
    const kept = [await seedOrder({ saga: { state: 'completed', days: 29 }, outbox: [6.9] })];
    const old = [
      await seedOrder({ saga: { state: 'completed', days: 31, logRows: 3 }, outbox: [8, 6] }),
    ];
    kept.push(await seedOrder({ saga: { state: 'running', days: 90 }, outbox: [null] }));
    kept.push(await seedOrder({ saga: { state: 'running', days: 90, isParked: true } }));
    old.push(await seedOrder({ saga: { state: 'failed', days: 45, logRows: 2 }, outbox: [30] }));
    kept.push(await seedOrder({ saga: { state: 'compensating', days: 90 }, outbox: [null] }));
    kept.push(await seedOrder({ saga: { state: 'compensating', days: 90, isParked: true } }));
    old.push(
      await seedOrder({ saga: { state: 'completed', days: 400, logRows: 1 }, outbox: [7.5] }),
    );
    kept.push(await seedOrder({ saga: { state: 'failed', days: 1 }, outbox: [0, null] }));
    const oldDelivered = [old[0]!.outboxIds[0]!, old[1]!.outboxIds[0]!, old[2]!.outboxIds[0]!];
    const byId = (a: number, b: number) => a - b;
    const allOrders = [...old, ...kept].map((seeded) => seeded.orderId).sort(byId);
    const allOutbox = [...old, ...kept].flatMap((seeded) => seeded.outboxIds).sort(byId);
    const metrics = createMetrics();

    const deleted = await deleteExpiredRows({ pool, metrics }, ages, 2);

    expect(deleted).toEqual({ sagas: 3, sagaLog: 6, outbox: 3, orderEvents: 0 });
    expect(
      await existing(
        'sagas',
        [...old, ...kept].map((seeded) => seeded.sagaId),
      ),
    ).toEqual(kept.map((seeded) => seeded.sagaId).sort(byId));
    expect(await logRowsOf(old.map((seeded) => seeded.sagaId))).toBe(0);
    expect(await logRowsOf(kept.map((seeded) => seeded.sagaId))).toBe(2 * kept.length);
    expect(await existing('outbox', allOutbox)).toEqual(
      allOutbox.filter((id) => !oldDelivered.includes(id)),
    );
    expect(await existing('orders', allOrders)).toEqual(allOrders);
    expect(await historyRowsOf(allOrders)).toBe(allOrders.length);
    expect(await counted(metrics, 'sagas')).toBe(3);
    expect(await counted(metrics, 'saga_log')).toBe(6);
    expect(await counted(metrics, 'outbox')).toBe(3);
  });

  it('deletes order events published longer ago than the outbox age, never an unpublished one', async () => {
    const { orderId } = await seedOrder({ saga: { state: 'running', days: 0 } });
    // published that many days ago, or null: unpublished (then written 60 days ago)
    const publishedDaysAgo = [8, null, 6.9, 30, null, 7.5, 0];
    const ids: number[] = [];
    for (const daysAgo of publishedDaysAgo) {
      const { rows } = await pool.query<{ id: number }>(
        `insert into order_events (order_id, kind, status, version, occurred_at, published_at)
         values ($1, 'created', 'pending', 1, now() - interval '60 days',
           now() - make_interval(secs => $2::float8 * 86400))
         returning id`,
        [orderId, daysAgo],
      );
      ids.push(rows[0]!.id);
    }
    const metrics = createMetrics();

    const deleted = await deleteExpiredRows({ pool, metrics }, ages, 2);

    const expired = ids.filter((_, index) => (publishedDaysAgo[index] ?? 0) > ages.outboxDays);
    expect(deleted.orderEvents).toBe(expired.length);
    const left = await pool.query<{ id: number }>(
      'select id from order_events where id = any($1) order by id',
      [ids],
    );
    expect(left.rows.map((row) => row.id)).toEqual(ids.filter((id) => !expired.includes(id)));
    expect(await counted(metrics, 'order_events')).toBe(expired.length);
  });

  it('never fails and never counts a row twice when two passes run at once', async () => {
    const metrics = createMetrics();
    const rounds = 5;
    const perRound = 12;

    for (let round = 0; round < rounds; round += 1) {
      const old = [];
      const kept = [];
      for (let i = 0; i < perRound; i += 1) {
        old.push(
          await seedOrder({ saga: { state: 'completed', days: 31, logRows: 2 }, outbox: [8] }),
        );
        kept.push(await seedOrder({ saga: { state: 'running', days: 31 }, outbox: [null] }));
      }

      const passes = await Promise.all([
        deleteExpiredRows({ pool, metrics }, ages, 3),
        deleteExpiredRows({ pool, metrics }, ages, 3),
      ]);

      const total = (field: 'sagas' | 'sagaLog' | 'outbox') =>
        passes.reduce((sum, pass) => sum + pass[field], 0);
      expect([total('sagas'), total('sagaLog'), total('outbox')], `round ${round}`).toEqual([
        perRound,
        2 * perRound,
        perRound,
      ]);
      expect(
        await existing(
          'sagas',
          old.map((seeded) => seeded.sagaId),
        ),
      ).toEqual([]);
      expect(
        await existing(
          'outbox',
          old.flatMap((seeded) => seeded.outboxIds),
        ),
      ).toEqual([]);
      expect(
        await existing(
          'sagas',
          kept.map((seeded) => seeded.sagaId),
        ),
      ).toHaveLength(perRound);
      expect(
        await existing(
          'outbox',
          kept.flatMap((seeded) => seeded.outboxIds),
        ),
      ).toHaveLength(perRound);
    }
    expect(await counted(metrics, 'sagas')).toBe(rounds * perRound);
    expect(await counted(metrics, 'saga_log')).toBe(rounds * 2 * perRound);
    expect(await counted(metrics, 'outbox')).toBe(rounds * perRound);
  });

  it('keeps everything when switched off (RETENTION_ENABLED=false)', async () => {
    const seeded = await seedOrder({ saga: { state: 'completed', days: 400 }, outbox: [400] });
    const metrics = createMetrics();
    const options: RetentionOptions = { isEnabled: false, intervalMs: 1, ...ages };
    const retention = createRetention({ pool, metrics, logger, options, batchSize: 10 });

    retention.runIfDue();
    await retention.idle();

    expect(await existing('sagas', [seeded.sagaId])).toEqual([seeded.sagaId]);
    expect(await logRowsOf([seeded.sagaId])).toBe(2);
    expect(await existing('outbox', seeded.outboxIds)).toEqual(seeded.outboxIds);
    expect(await counted(metrics, 'sagas')).toBe(0);
    // Not left for the passes of the other tests to count.
    await deleteExpiredRows({ pool, metrics }, ages, 10);
  });

  it('starts at most one pass per interval in a process, the first at once', async () => {
    let clockMs = 1_000_000;
    const metrics = createMetrics();
    const options: RetentionOptions = { isEnabled: true, intervalMs: 60_000, ...ages };
    const retention = createRetention({
      pool,
      metrics,
      logger,
      options,
      batchSize: 10,
      now: () => clockMs,
    });
    const first = await seedOrder({ saga: { state: 'completed', days: 31 } });

    retention.runIfDue();
    await retention.idle();
    const second = await seedOrder({ saga: { state: 'failed', days: 31 } });
    clockMs += 59_999;
    retention.runIfDue();
    await retention.idle();

    expect(await existing('sagas', [first.sagaId, second.sagaId])).toEqual([second.sagaId]);

    clockMs += 1;
    retention.runIfDue();
    await retention.idle();

    expect(await existing('sagas', [second.sagaId])).toEqual([]);
    expect(await counted(metrics, 'sagas')).toBe(2);
    await retention.stop();
  });
});
