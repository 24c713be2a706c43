/**
 * The one way `orders.status` changes (issue 12), and the claim that lets a cancel or fail saga
 * hold an order. Both are single guarded statements on the order row, so two changes that
 * conflict exclude each other there: the second waits for the first's row lock, PostgreSQL
 * re-checks its `where` against the row the first committed, and it changes nothing.
 */
import type { ActorLabel } from '../domain/actor.js';
import { eventKindOf } from '../domain/order-event.js';
import type { Order } from '../domain/order.js';
import { statusNotification } from '../domain/order.js';
import type { SagaKind } from '../domain/order-saga.js';
import type { OrderStatus } from '../domain/order-status.js';
import type { SagaLogEntry } from '../domain/saga-log.js';
import type { OrderRow } from './order-repository.js';
import { orderColumns, toOrder } from './order-repository.js';
import type { Queryable } from './pool.js';
import { insertLogFrom, logRecords } from './saga-log-repository.js';
import type { Saga, SagaRow } from './saga-row.js';
import { sagaColumns, toSaga } from './saga-row.js';

export type Transition = {
  /** The order as the caller read or holds it: its status and version are the guard. */
  order: Order;
  to: OrderStatus;
  /** The statuses `to` may be entered from (domain/order-status.ts `statusesInto`). */
  from: readonly OrderStatus[];
  actor: ActorLabel;
  reason: string | null;
  paymentId?: string | undefined;
  traceparent: string | null;
  /**
   * The saga that holds the order and ends with this change, fenced by its lease (and, for a
   * place saga, by no cancel having arrived unseen); its last outcomes are logged with it.
   * Absent: an admin's forward move, refused while any saga holds the order.
   */
  saga?:
    | {
        id: number;
        leaseToken: string;
        state: 'completed' | 'failed';
        isCancelRequestSeen: boolean;
        log: readonly SagaLogEntry[];
        attempt: number;
      }
    | undefined;
};

/**
 * `moved`: the order, its history entry and the event of the state it enters, in one statement
 * (and the saga ended with it). `refused`: the order is no longer at that status and version, or
 * is held by a saga. `raced`: the saga's lease is gone, or a cancel arrived it had not seen.
 */
export type TransitionResult =
  { kind: 'moved'; order: Order } | { kind: 'refused' } | { kind: 'raced' };

export async function transitionOrder(
  db: Queryable,
  change: Transition,
  /** Also write the order event for the broker (EVENTS_BROKER_URL set). */
  options: { recordsEvent: boolean },
): Promise<TransitionResult> {
  const { order, saga } = change;
  const event = statusNotification(order.status, change.to, change.reason);
  const { rows } = await db.query<
    { is_held: boolean } & (OrderRow | { [K in keyof OrderRow]: null })
  >({
    name: 'transition-order',
    text: `with held as (
        select id from sagas
        where id = $6 and lease_token = $7 and locked_until > now()
          and (cancel_requested is not null) = $8
        for update),
      moved as (
        update orders set status = $4, payment_id = coalesce($5, payment_id),
          version = version + 1, updated_at = now(), held_by_saga_id = null
        where id = $1 and version = $2 and status = any($3::text[]) and status = $15
          and held_by_saga_id is not distinct from $6::bigint
          and ($6::bigint is null or exists (select 1 from held))
        returning ${orderColumns}),
      history as (
        insert into order_status_history (order_id, from_status, to_status, actor, reason)
        select id, $15, $4, $9, $10 from moved),
      event as (
        insert into outbox (order_id, user_id, type, data, traceparent)
        select id, user_id, $11, $12, $13 from moved),
      order_event as (
        insert into order_events (order_id, kind, status, previous_status, version, payment_id,
          occurred_at, traceparent)
        select id, $19, status, $15, version, payment_id, updated_at, $13 from moved
        where $18::boolean),
      ended as (
        update sagas set state = $14, step = 'finish', lease_token = null, locked_until = null,
          updated_at = now()
        where id = (select id from held) and exists (select 1 from moved)
        returning id),
      logged as (${insertLogFrom('ended', '$16', '$17')})
      select exists (select 1 from held) as is_held, moved.*
      from (select 1) as one left join moved on true`,
    values: [
      order.id,
      order.version,
      change.from,
      change.to,
      change.paymentId ?? null,
      saga?.id ?? null,
      saga?.leaseToken ?? null,
      saga?.isCancelRequestSeen ?? false,
      change.actor,
      change.reason,
      event.type,
      event.data,
      change.traceparent,
      saga?.state ?? null,
      order.status,
      logRecords(saga?.log ?? []),
      saga?.attempt ?? null,
      options.recordsEvent,
      eventKindOf(change.to),
    ],
  });
  const row = rows[0];
  if (row === undefined) throw new Error('the order transition returned no row');
  if (saga !== undefined && !row.is_held) return { kind: 'raced' };
  if (row.id === null) return { kind: 'refused' };
  return { kind: 'moved', order: toOrder(row, order.items) };
}

/**
 * A cancel or fail saga takes the order: stored with its lease, and the order marked as held by
 * it, only while the order is still at the status and version the caller decided on and no
 * other saga holds it. Undefined: something else changed the order first.
 */
export async function claimOrderForSaga(
  db: Queryable,
  claim: {
    order: Order;
    from: readonly OrderStatus[];
    kind: Extract<SagaKind, 'cancel' | 'fail'>;
    actor: ActorLabel;
    reason: string | null;
    requestId: string | null;
    lease: { leaseToken: string; leaseSeconds: number; deadlineMs: number };
    traceparent: string | null;
  },
): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>({
    name: 'claim-order-for-saga',
    text: `with new_saga as (select nextval(pg_get_serial_sequence('sagas', 'id')) as id),
      claimed as (
        update orders set held_by_saga_id = (select id from new_saga)
        where id = $1 and version = $2 and status = any($3::text[]) and held_by_saga_id is null
        returning id)
      insert into sagas (id, order_id, kind, state, step, actor, reason, request_id, lease_token,
        locked_until, deadline_at, traceparent)
      select new_saga.id, claimed.id, $4, 'compensating', 'start', $5, $6, $7, $8,
        now() + make_interval(secs => $9), now() + make_interval(secs => $10), $11
      from new_saga, claimed
      returning ${sagaColumns}`,
    values: [
      claim.order.id,
      claim.order.version,
      claim.from,
      claim.kind,
      claim.actor,
      claim.reason,
      claim.requestId,
      claim.lease.leaseToken,
      claim.lease.leaseSeconds,
      claim.lease.deadlineMs / 1000,
      claim.traceparent,
    ],
  });
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}
