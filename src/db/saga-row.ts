import type { ActorLabel } from '../domain/actor.js';
import { orderId } from '../domain/ids.js';
import type { OrderId } from '../domain/ids.js';
import type { SagaKind, SagaState } from '../domain/order-saga.js';

/** A saga row as the runner and the use cases see it; `toSaga` maps it from its columns. */
export type CancelRequest = { actor: ActorLabel; reason: string | null };

export type Saga = {
  id: number;
  orderId: OrderId;
  kind: SagaKind;
  state: SagaState;
  step: string;
  actor: ActorLabel;
  reason: string | null;
  paymentMethod: string | null;
  requestId: string | null;
  /** The W3C traceparent of the span that created the saga; recovery links its trace to it. */
  traceparent: string | null;
  cancelRequested: CancelRequest | null;
  attempts: number;
  lastError: string | null;
  leaseToken: string | null;
  isPastDeadline: boolean;
  /** Parked: a peer refused a step for good; it waits for an admin (issue 13, point 2). */
  isParked: boolean;
};

export type SagaRow = {
  id: number;
  order_id: number;
  kind: SagaKind;
  state: SagaState;
  step: string;
  actor: ActorLabel;
  reason: string | null;
  payment_method: string | null;
  request_id: string | null;
  traceparent: string | null;
  cancel_requested: CancelRequest | null;
  attempts: number;
  last_error: string | null;
  lease_token: string | null;
  is_past_deadline: boolean;
  is_parked: boolean;
};

export const sagaColumns = `id, order_id, kind, state, step, actor, reason, payment_method, request_id,
  traceparent, cancel_requested, attempts, last_error, lease_token,
  now() > deadline_at as is_past_deadline, parked_at is not null as is_parked`;

export const toSaga = (row: SagaRow): Saga => ({
  id: row.id,
  orderId: orderId(row.order_id),
  kind: row.kind,
  state: row.state,
  step: row.step,
  actor: row.actor,
  reason: row.reason,
  paymentMethod: row.payment_method,
  requestId: row.request_id,
  traceparent: row.traceparent,
  cancelRequested: row.cancel_requested,
  attempts: row.attempts,
  lastError: row.last_error,
  leaseToken: row.lease_token,
  isPastDeadline: row.is_past_deadline,
  isParked: row.is_parked,
});
