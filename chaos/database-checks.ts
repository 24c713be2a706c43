import type { Pool } from '../src/db/pool.js';
import type { ChaosViolation } from './chaos-violation.js';
import type { LoadRecord } from './load-record.js';

/**
 * The run's own checks on the database after settling, beside the invariant checker's:
 * what a 2xx told a client must be true, nothing is left unfinished or pending too long.
 */

/** Every order a 2xx POST named exists and is the user's; every 2xx cancel ended cancelled; every 2xx status change is in the order's history. */
export async function checkAcknowledged(pool: Pool, record: LoadRecord): Promise<ChaosViolation[]> {
  const ids = [
    ...new Set([...record.placed, ...record.cancelled, ...record.moved].map((a) => a.orderId)),
  ];
  const orders = new Map(
    (
      await pool.query<{ id: number; user_id: number; status: string }>(
        'select id, user_id, status from orders where id = any($1::bigint[])',
        [ids],
      )
    ).rows.map((row) => [row.id, row]),
  );
  const history = new Set(
    (
      await pool.query<{ entry: string }>(
        `select order_id || ' ' || to_status || ' ' || actor as entry
         from order_status_history where order_id = any($1::bigint[])`,
        [ids],
      )
    ).rows.map((row) => row.entry),
  );
  const violations: ChaosViolation[] = [];
  for (const { orderId, userId } of record.placed) {
    const order = orders.get(orderId);
    if (order?.user_id !== userId) {
      violations.push({
        kind: 'acknowledged-order-missing',
        message: `POST /api/orders answered 2xx with order ${String(orderId)} for user ${String(userId)}; the database has ${order === undefined ? 'no such order' : `it for user ${String(order.user_id)}`}`,
      });
    }
  }
  for (const { orderId } of record.cancelled) {
    const status = orders.get(orderId)?.status;
    if (status !== 'cancelled') {
      violations.push({
        kind: 'cancel-not-honoured',
        message: `a cancel of order ${String(orderId)} was answered 2xx; it ended ${status ?? 'missing'}`,
      });
    }
  }
  for (const { orderId, to, adminId } of record.moved) {
    if (!history.has(`${String(orderId)} ${to} admin:${String(adminId)}`)) {
      violations.push({
        kind: 'status-change-lost',
        message: `PATCH of order ${String(orderId)} to ${to} was answered 2xx; its history has no such change by admin ${String(adminId)}`,
      });
    }
  }
  return violations;
}

/** Sagas still unfinished and events still undelivered once the settling deadline passed. */
export async function checkUnfinished(pool: Pool): Promise<ChaosViolation[]> {
  const sagas = await pool.query<{
    id: number;
    order_id: number;
    kind: string;
    state: string;
    step: string;
    parked: boolean;
    last_error: string | null;
  }>(
    `select id, order_id, kind, state, step, parked_at is not null as parked, last_error
     from sagas where state in ('running', 'compensating') order by id`,
  );
  const events = await pool.query<{ id: number; order_id: number; type: string; attempts: number }>(
    `select id, order_id, type, attempts from outbox where delivered_at is null order by id`,
  );
  return [
    ...sagas.rows.map((saga) => ({
      kind: 'unfinished-saga',
      message: `saga ${String(saga.id)} (${saga.kind}, order ${String(saga.order_id)}) is still ${saga.state} at ${saga.step}${saga.parked ? ', parked for an admin' : ''}; last error: ${saga.last_error ?? 'none'}`,
    })),
    ...events.rows.map((event) => ({
      kind: 'undelivered-notification',
      message: `outbox event ${String(event.id)} (${event.type}, order ${String(event.order_id)}) is undelivered after ${String(event.attempts)} attempt(s)`,
    })),
  ];
}

/** peer-services.md: no order stays `pending` longer than the saga's deadline. */
export async function checkPendingPastDeadline(
  pool: Pool,
  sagaDeadlineMs: number,
): Promise<ChaosViolation[]> {
  const { rows } = await pool.query<{ id: number; age_seconds: number }>(
    `select id, extract(epoch from now() - created_at)::int as age_seconds from orders
     where status = 'pending' and created_at < now() - make_interval(secs => $1) order by id`,
    [sagaDeadlineMs / 1000],
  );
  return rows.map((row) => ({
    kind: 'pending-past-deadline',
    message: `order ${String(row.id)} is pending ${String(row.age_seconds)} s after it was placed; the saga deadline is ${String(sagaDeadlineMs / 1000)} s`,
  }));
}

/** The table's database rows: orders by final status, sagas retried in the background. */
export async function readOutcomes(pool: Pool): Promise<{
  ordersByStatus: [string, number][];
  sagas: number;
  sagasRetried: number;
}> {
  const statuses = await pool.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from orders group by status order by n desc, status`,
  );
  const sagas = await pool.query<{ total: number; retried: number }>(
    `select count(*)::int as total, count(*) filter (where attempts > 0)::int as retried
     from sagas`,
  );
  return {
    ordersByStatus: statuses.rows.map((row) => [row.status, row.n]),
    sagas: sagas.rows[0]?.total ?? 0,
    sagasRetried: sagas.rows[0]?.retried ?? 0,
  };
}
