import type { Actor } from '../domain/actor.js';
import type { OrderId } from '../domain/ids.js';
import { decideTransition } from '../domain/order-status.js';
import type { CallContext } from '../peers/peer-http.js';
import type { CompensationOutcome } from './compensate-order.js';
import { cancelPendingOrder, compensateOrder } from './compensate-order.js';
import type { OrdersDeps } from './orders-deps.js';
import { checkVersion, findVisibleOrder } from './visible-order.js';

export type CancelOptions = { reason: string | null; expectedVersion: number | undefined };

/**
 * POST /api/orders/:id/cancel (owner or admin). pending, paid, processing → cancelled with the
 * charge refunded and stock restored; already cancelled → nothing done again; otherwise 409.
 */
export async function cancelOrder(
  deps: OrdersDeps,
  actor: Actor,
  id: OrderId,
  options: CancelOptions,
  ctx: CallContext,
): Promise<CompensationOutcome> {
  // The order may move between our read and our write (its saga finishes, an admin changes
  // it): then read it again and decide again.
  for (;;) {
    const order = await findVisibleOrder(deps.pool, actor, id);
    checkVersion(order, options.expectedVersion);
    if (order.status === 'cancelled') return { outcome: 'done', order };
    decideTransition(order.status, 'cancelled', actor);
    const outcome =
      order.status === 'pending'
        ? await cancelPendingOrder(deps, order, actor, options.reason, ctx)
        : await compensateOrder(deps, order, 'cancelled', actor, options.reason, ctx);
    if (outcome !== undefined) return outcome;
  }
}
