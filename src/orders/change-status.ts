import type { Actor } from '../domain/actor.js';
import { actorLabel, isAdmin } from '../domain/actor.js';
import {
  ForbiddenError,
  IllegalTransitionError,
  PreconditionFailedError,
} from '../domain/errors.js';
import type { OrderId } from '../domain/ids.js';
import type { OrderStatus } from '../domain/order-status.js';
import { allowedStatusesFor, decideTransition } from '../domain/order-status.js';
import { findActiveSaga } from '../db/saga-repository.js';
import { withTransaction } from '../db/transaction.js';
import type { CallContext } from '../peers/peer-http.js';
import { enterStatus } from '../saga/saga-runner.js';
import { cancelOrder } from './cancel-order.js';
import type { CompensationOutcome } from './compensate-order.js';
import { compensateOrder } from './compensate-order.js';
import type { OrdersDeps } from './orders-deps.js';
import { checkVersion, findVisibleOrder } from './visible-order.js';

/** Only admins change status: checked before anything else about the request (order-api.md). */
export function assertMayChangeStatus(actor: Actor): void {
  if (!isAdmin(actor)) throw new ForbiddenError('Only an admin may change an order status.');
}

export type StatusChange = {
  status: OrderStatus;
  reason: string | null;
  expectedVersion: number | undefined;
};

/**
 * PATCH /api/orders/:id/status (admin only; the role is checked before the order is looked up).
 * `cancelled` has the effects of cancel; `failed` refunds and restocks; the rest only move.
 */
export async function changeStatus(
  deps: OrdersDeps,
  actor: Actor,
  id: OrderId,
  change: StatusChange,
  ctx: CallContext,
): Promise<CompensationOutcome> {
  assertMayChangeStatus(actor);
  const order = await findVisibleOrder(deps.pool, actor, id);
  checkVersion(order, change.expectedVersion);
  const effect = decideTransition(order.status, change.status, actor);
  if (change.status === 'cancelled') {
    return cancelOrder(
      deps,
      actor,
      id,
      { reason: change.reason, expectedVersion: change.expectedVersion },
      ctx,
    );
  }
  if (effect === 'compensate') {
    return (
      (await compensateOrder(deps, order, 'failed', actor, change.reason, ctx)) ??
      changeStatus(deps, actor, id, change, ctx)
    );
  }
  const updated = await withTransaction(deps.pool, async (tx) => {
    // A running saga (a cancel that is refunding) owns the order until it ends.
    if ((await findActiveSaga(tx, id)) !== undefined) return 'busy' as const;
    return enterStatus(tx, order, change.status, {
      actor: actorLabel(actor),
      reason: change.reason,
      paymentId: undefined,
      expectedVersion: order.version,
    });
  });
  if (updated === 'busy') {
    throw new IllegalTransitionError(order.status, change.status, []);
  }
  if (updated === undefined) {
    // Changed since we read it: a stale If-Match is 412; without one, report the new state.
    const now = await findVisibleOrder(deps.pool, actor, id);
    if (change.expectedVersion !== undefined) throw new PreconditionFailedError(now.version);
    throw new IllegalTransitionError(
      now.status,
      change.status,
      allowedStatusesFor(now.status, actor),
    );
  }
  deps.onNotificationsQueued();
  deps.metrics.orderStatus.inc({ status: change.status });
  return { status: 200, order: updated };
}
