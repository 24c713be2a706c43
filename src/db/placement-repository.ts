/**
 * The two writes on every order's happy path, each one statement — one round trip and one
 * implicit transaction — where they were a transaction of six to eight statements: storing a
 * placed order with everything written with it, and marking it paid. Data-modifying CTEs all see
 * one snapshot and commit or fail together, so the guarantees are those of the transactions they
 * replace (bench/: a create went from 35 statements to 13; see README, Performance).
 */
import type { ActorLabel } from '../domain/actor.js';
import { formatCents } from '../domain/money.js';
import type { Order } from '../domain/order.js';
import { statusNotification } from '../domain/order.js';
import type { OrderDraft, OrderRow } from './order-repository.js';
import { orderColumns, toOrder } from './order-repository.js';
import type { Queryable } from './pool.js';
import type { Saga, SagaRow } from './saga-repository.js';
import { sagaColumns, toSaga } from './saga-repository.js';

export type Placement = {
  draft: OrderDraft;
  /** Who placed it (`user:<id>` or `admin:<id>`): the history entry's and the saga's actor. */
  actor: ActorLabel;
  paymentMethod: string | null;
  requestId: string | null;
  /** The request's Idempotency-Key (the draft's user's), bound to the new order. */
  idempotencyKey: string | undefined;
  saga: { leaseToken: string; leaseSeconds: number; deadlineMs: number };
  /** The W3C traceparent of the request's span, for the saga and the order.created event. */
  traceparent: string | null;
};

/**
 * Stores a new order as pending with its items, its first history entry, the order.created
 * event, its place saga (leased by `saga.leaseToken`), and binds the Idempotency-Key to it.
 */
export async function storePlacedOrder(
  db: Queryable,
  placement: Placement,
): Promise<{ order: Order; saga: Saga }> {
  const { draft } = placement;
  const createdEvent = statusNotification(null, 'pending', null);
  const { rows } = await db.query<OrderRow & { saga: SagaRow }>({
    name: 'store-placed-order',
    text: `with o as (
        insert into orders (user_id, status, total_amount, currency, shipping_address)
        values ($1, 'pending', $2, $3, $4)
        returning ${orderColumns}),
      items as (
        insert into order_items (order_id, product_id, quantity, price, created_at)
        select o.id, item.product_id, item.quantity, item.price, o.created_at
        from o, unnest($5::bigint[], $6::int[], $7::numeric[]) as item(product_id, quantity, price)),
      history as (
        insert into order_status_history (order_id, from_status, to_status, actor)
        select id, null, 'pending', $8 from o),
      created as (
        insert into outbox (order_id, user_id, type, data, traceparent)
        select id, user_id, $16, $17, $9 from o),
      saga as (
        insert into sagas (order_id, kind, step, actor, payment_method, request_id, lease_token,
          locked_until, deadline_at, traceparent)
        select id, 'place', 'start', $8, $10, $11, $12, now() + make_interval(secs => $13),
          now() + make_interval(secs => $14), $9 from o
        returning ${sagaColumns}),
      key as (
        update idempotency_keys set order_id = (select id from o)
        where user_id = $1 and key = $15)
      select o.*, row_to_json(saga) as saga from o, saga`,
    values: [
      draft.userId,
      formatCents(draft.totalCents),
      draft.currency,
      draft.shippingAddress,
      draft.items.map((item) => item.productId),
      draft.items.map((item) => item.quantity),
      draft.items.map((item) => formatCents(item.priceCents)),
      placement.actor,
      placement.traceparent,
      placement.paymentMethod,
      placement.requestId,
      placement.saga.leaseToken,
      placement.saga.leaseSeconds,
      placement.saga.deadlineMs / 1000,
      placement.idempotencyKey ?? null,
      createdEvent.type,
      createdEvent.data,
    ],
  });
  const row = rows[0];
  if (row === undefined) throw new Error('storing the placed order returned no row');
  return { order: toOrder(row, draft.items), saga: toSaga(row.saga) };
}

/**
 * Completes the place saga held by `lease` and moves its order from pending to paid, with the
 * history entry and the order.paid event. `raced`: the lease is gone or a cancel was requested
 * (the saga row is locked first, so a cancel cannot slip in between). `moved`: the saga holds
 * its order, so a pending order that is no longer pending is a bug — nothing is written then.
 */
export async function markOrderPaid(
  db: Queryable,
  lease: { sagaId: number; leaseToken: string },
  change: { order: Order; paymentId: string; traceparent: string | null },
): Promise<{ kind: 'paid'; order: Order } | { kind: 'raced' } | { kind: 'moved' }> {
  const paidEvent = statusNotification('pending', 'paid', null);
  const { rows } = await db.query<
    { is_held: boolean } & (OrderRow | { [K in keyof OrderRow]: null })
  >({
    name: 'mark-order-paid',
    text: `with held as (
        select id from sagas
        where id = $1 and lease_token = $2 and locked_until > now() and cancel_requested is null
        for update),
      paid as (
        update orders set status = 'paid', payment_id = $4, version = version + 1,
          updated_at = now()
        where id = $3 and status = 'pending' and exists (select 1 from held)
        returning ${orderColumns}),
      finished as (
        update sagas set state = 'completed', step = 'finish', lease_token = null,
          locked_until = null, updated_at = now()
        where id = $1 and exists (select 1 from paid)),
      history as (
        insert into order_status_history (order_id, from_status, to_status, actor)
        select id, 'pending', 'paid', 'system' from paid),
      event as (
        insert into outbox (order_id, user_id, type, data, traceparent)
        select id, user_id, $6, $7, $5 from paid)
      select exists (select 1 from held) as is_held, paid.*
      from (select 1) as one left join paid on true`,
    values: [
      lease.sagaId,
      lease.leaseToken,
      change.order.id,
      change.paymentId,
      change.traceparent,
      paidEvent.type,
      paidEvent.data,
    ],
  });
  const row = rows[0];
  if (row === undefined || !row.is_held) return { kind: 'raced' };
  if (row.id === null) return { kind: 'moved' };
  return { kind: 'paid', order: toOrder(row, change.order.items) };
}
