import type { Transition, TransitionResult } from '../db/order-transition-repository.js';
import { transitionOrder } from '../db/order-transition-repository.js';
import type { SagaDeps } from './saga-deps.js';

/**
 * Every status change — mark-paid, a saga's finish, an admin's PATCH — is this call: the one
 * guarded statement, then, once it committed, the relay woken for the event it queued and the
 * transition counted.
 */
export async function moveOrderStatus(
  deps: Pick<SagaDeps, 'pool' | 'metrics' | 'onNotificationsQueued' | 'recordsOrderEvents'>,
  change: Transition,
): Promise<TransitionResult> {
  const result = await transitionOrder(deps.pool, change, {
    recordsEvent: deps.recordsOrderEvents,
  });
  if (result.kind === 'moved') {
    deps.onNotificationsQueued();
    deps.metrics.orderStatus.inc({ status: change.to });
  }
  return result;
}
