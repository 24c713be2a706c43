import type { Actor } from '../domain/actor.js';
import { actorLabel, isAdmin } from '../domain/actor.js';
import {
  ForbiddenError,
  IllegalTransitionError,
  PreconditionFailedError,
} from '../domain/errors.js';
import type { OrderId } from '../domain/ids.js';
import type { OrderStatus } from '../domain/order-status.js';
import { allowedStatusesFor, decideTransition, statusesInto } from '../domain/order-status.js';
import { activeTraceparent } from '../observability/tracing-context.js';
import type { CallContext } from '../peers/peer-http.js';
import { moveOrderStatus } from '../saga/move-order-status.js';
import { cancelOrder } from './cancel-order.js';
import type { CompensationOutcome } from './compensate-order.js';
import { compensateOrder } from './compensate-order.js';
import type { OrdersDeps } from './orders-deps.js';
import { checkVersion, findVisibleOrder } from './visible-order.js';

/** Only admins change status: checked before anything else about the request (order-api.md). */
export function assertMayChangeStatus(actor: Actor): void {
  if (!isAdmin(actor)) throw new ForbiddenError('Only an admin may change an order status.');
}

const heldOrder = 'a cancellation or failure of this order is under way';

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
  const moved = await moveOrderStatus(deps, {
    order,
    to: change.status,
    from: statusesInto(change.status),
    actor: actorLabel(actor),
    reason: change.reason,
    traceparent: activeTraceparent(),
  });
  if (moved.kind === 'moved') return { outcome: 'done', order: moved.order };
  // Refused: changed since we read it (a stale If-Match is 412), or held by a saga (a cancel
  // that is refunding owns the order until it ends): 409 with the state as it is now.
  const now = await findVisibleOrder(deps.pool, actor, id);
  if (change.expectedVersion !== undefined && now.version !== change.expectedVersion) {
    throw new PreconditionFailedError(now.version);
  }
  if (now.version === order.version) {
    throw new IllegalTransitionError(now.status, change.status, [], heldOrder);
  }
  throw new IllegalTransitionError(
    now.status,
    change.status,
    allowedStatusesFor(now.status, actor),
  );
}
