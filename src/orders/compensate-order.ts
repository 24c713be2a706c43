import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import { actorLabel } from '../domain/actor.js';
import { IllegalTransitionError } from '../domain/errors.js';
import type { Order } from '../domain/order.js';
import { isFinal, statusesInto } from '../domain/order-status.js';
import { findOrder } from '../db/order-repository.js';
import { claimOrderForSaga } from '../db/order-transition-repository.js';
import { claimSaga, findActiveSaga, requestCancel } from '../db/saga-lease-repository.js';
import type { Saga } from '../db/saga-row.js';
import { activeTraceparent } from '../observability/tracing-context.js';
import type { CallContext } from '../peers/peer-http.js';
import { runSaga } from '../saga/saga-runner.js';
import { raceDeadline, waitFor } from './await-saga.js';
import type { OrdersDeps } from './orders-deps.js';

/** 200 when the order reached `target` within the response deadline, else 202 (background). */
/** `done`: the order is in the status asked for; `accepted`: its saga still works towards it. */
export type CompensationOutcome = { outcome: 'done' | 'accepted'; order: Order };

/**
 * Cancels (or, for an admin, fails) a paid or processing order: refund the charge, restock every
 * item, then record the status — as a durable saga, so a refund that cannot complete now finishes
 * in the background. The saga claims the order in one guarded statement (still at the status and
 * version `order` shows, and held by no other saga), so it and a forward change exclude each
 * other in the database. Undefined: the order changed since it was read; decide again.
 */
export async function compensateOrder(
  deps: OrdersDeps,
  order: Order,
  target: 'cancelled' | 'failed',
  actor: Actor,
  reason: string | null,
  ctx: CallContext,
): Promise<CompensationOutcome | undefined> {
  const saga = await claimOrderForSaga(deps.pool, {
    order,
    from: statusesInto(target),
    kind: target === 'cancelled' ? 'cancel' : 'fail',
    actor: actorLabel(actor),
    reason,
    requestId: ctx.requestId,
    lease: {
      leaseToken: randomUUID(),
      leaseSeconds: deps.leaseSeconds,
      deadlineMs: deps.sagaDeadlineMs,
    },
    traceparent: activeTraceparent(),
  });
  if (saga === undefined) {
    // Another change got there first: a running saga (await it), or a new version (decide again).
    const active = await findActiveSaga(deps.pool, order.id);
    if (active !== undefined) return awaitSaga(deps, active, order, target, ctx);
    return undefined;
  }
  await deps.pause?.('claimed', order.id);
  return settle(deps, runSaga(deps, saga, ctx, order), order, target);
}

/** Records a cancel on a pending order's running saga; the saga observes it and compensates. */
export async function cancelPendingOrder(
  deps: OrdersDeps,
  order: Order,
  actor: Actor,
  reason: string | null,
  ctx: CallContext,
): Promise<CompensationOutcome | undefined> {
  const saga = await requestCancel(deps.pool, order.id, { actor: actorLabel(actor), reason });
  if (saga === undefined) return undefined; // the saga finished meanwhile: decide again
  return awaitSaga(deps, saga, order, 'cancelled', ctx);
}

/**
 * Drives the saga if nobody holds it, else waits for its holder, up to the response deadline.
 * A parked saga moves only when an admin acts: answered 202 at once (the request is recorded).
 */
async function awaitSaga(
  deps: OrdersDeps,
  saga: Saga,
  order: Order,
  target: 'cancelled' | 'failed',
  ctx: CallContext,
): Promise<CompensationOutcome> {
  if (saga.isParked) return outcomeFor(order, target);
  const claimed = await claimSaga(deps.pool, saga.id, randomUUID(), deps.leaseSeconds);
  if (claimed !== undefined) return settle(deps, runSaga(deps, claimed, ctx), order, target);
  const settled = await waitFor(async () => {
    const now = await findOrder(deps.pool, saga.orderId);
    return now !== undefined && now.version !== order.version ? now : undefined;
  }, deps.responseDeadlineMs);
  return outcomeFor(settled ?? order, target);
}

async function settle(
  deps: OrdersDeps,
  run: ReturnType<typeof runSaga>,
  order: Order,
  target: 'cancelled' | 'failed',
): Promise<CompensationOutcome> {
  const result = await raceDeadline(run, deps.responseDeadlineMs);
  if (result !== 'deadline' && result.kind === 'finished') return outcomeFor(result.order, target);
  return outcomeFor((await findOrder(deps.pool, order.id)) ?? order, target);
}

/**
 * Done once the order is in `target`; accepted while the saga still works towards it;
 * IllegalTransitionError when the saga ended elsewhere first (a declined card fails the order before the cancel is seen).
 */
function outcomeFor(order: Order, target: 'cancelled' | 'failed'): CompensationOutcome {
  if (order.status === target) return { outcome: 'done', order };
  if (isFinal(order.status)) throw new IllegalTransitionError(order.status, target, []);
  return { outcome: 'accepted', order };
}
