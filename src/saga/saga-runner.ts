import type { Span } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { ActorLabel } from '../domain/actor.js';
import { formatCents } from '../domain/money.js';
import type { Order } from '../domain/order.js';
import { statusNotification } from '../domain/order.js';
import type { FailureCause, SagaAction, SagaLogEntry } from '../domain/order-saga.js';
import { compensationCause, nextAction, stepName } from '../domain/order-saga.js';
import type { OrderStatus } from '../domain/order-status.js';
import { findOrder, insertHistory, updateOrderStatus } from '../db/order-repository.js';
import { insertOutboxEvent } from '../db/outbox-repository.js';
import type { Pool, Queryable } from '../db/pool.js';
import type { Saga } from '../db/saga-repository.js';
import {
  appendSagaLog,
  findSaga,
  finishSaga,
  readSagaLog,
  renewSagaLease,
  scheduleSagaRetry,
} from '../db/saga-repository.js';
import { markOrderPaid } from '../db/placement-repository.js';
import { withTransaction } from '../db/transaction.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { inSpan } from '../observability/tracing-spans.js';
import type { PaymentClient } from '../peers/payment-client.js';
import type { CallContext } from '../peers/peer-http.js';
import { activeTraceparent } from '../observability/tracing-context.js';
import type { PausePoint } from './pause-point.js';
import { chargeKey, refundKey, stockDecreaseKey, stockIncreaseKey } from '../peers/peer-keys.js';
import type { ProductClient } from '../peers/product-client.js';

export type SagaDeps = {
  pool: Pool;
  products: ProductClient;
  payments: PaymentClient;
  logger: Logger;
  metrics: Metrics;
  leaseSeconds: number;
  /** Delay before the next try after an unknown outcome, by attempts so far. */
  retryDelayMs: (attempts: number) => number;
  /** Called after a transaction that queued notifications commits. */
  onNotificationsQueued: () => void;
  /** Saga runs under way in this process; shutdown waits for them within its grace period. */
  inFlight: Set<Promise<unknown>>;
  /** Tests only (SAGA_TEST_PAUSE_AT): may never resolve, so a test can kill the process there. */
  pause?: PausePoint | undefined;
};

export type SagaRunResult =
  | {
      kind: 'finished';
      order: Order;
      status: OrderStatus;
      cause?: FailureCause;
      productIds: readonly number[];
    }
  | { kind: 'waiting'; reason: string }
  | { kind: 'lease-lost' };

type Lease = { sagaId: number; leaseToken: string; leaseSeconds: number };

class LeaseLostError extends Error {
  constructor() {
    super('saga lease lost');
  }
}

/**
 * Drives a saga whose lease `saga.leaseToken` holds, one recorded step at a time, until it
 * finishes or must wait for a peer. Every step is recorded before (intent) and after (outcome),
 * each peer call is idempotent by its key, so a crash at any point is resumed by running this
 * again.
 */
export function runSaga(
  deps: SagaDeps,
  saga: Saga,
  ctx: CallContext,
  /** The order as the caller just stored it, and so the saga's (empty) log: not read again. */
  stored?: { order: Order; log: SagaLogEntry[] },
): Promise<SagaRunResult> {
  // Runs that outlive their request (after a 202) are tracked so shutdown can let them finish.
  const run = driveSaga(deps, saga, ctx, stored);
  deps.inFlight.add(run);
  void run.finally(() => deps.inFlight.delete(run));
  return run;
}

async function driveSaga(
  deps: SagaDeps,
  saga: Saga,
  ctx: CallContext,
  stored: { order: Order; log: SagaLogEntry[] } | undefined,
): Promise<SagaRunResult> {
  const { leaseToken } = saga;
  if (leaseToken === null) return { kind: 'lease-lost' };
  const lease: Lease = { sagaId: saga.id, leaseToken, leaseSeconds: deps.leaseSeconds };
  const log = deps.logger.child({
    sagaId: saga.id,
    orderId: saga.orderId,
    requestId: ctx.requestId,
  });
  // While this run holds the lease, nothing else writes the order or the saga's log (one active
  // saga per order; every other change waits for it or only marks the saga row), so both are
  // read once and the log kept in step here. The saga row (lease, cancel, deadline) comes back
  // from every log write; it is read again only after a step that wrote no log entry. `saga`
  // itself was just claimed or inserted with this lease.
  const known: Known = { saga, order: stored?.order, log: stored?.log };
  try {
    for (;;) {
      const result = await inStepSpan(saga, (span) => runOneStep(deps, lease, ctx, span, known));
      if (result !== 'continue') return result;
    }
  } catch (error) {
    if (error instanceof LeaseLostError) {
      log.warn('saga lease lost; another runner took over');
      return { kind: 'lease-lost' };
    }
    log.error('saga step failed', { error });
    await scheduleSagaRetry(deps.pool, lease, {
      delayMs: deps.retryDelayMs(saga.attempts),
      error: 'internal error',
    }).catch(() => undefined);
    return { kind: 'waiting', reason: 'internal error' };
  }
}

const tracer = trace.getTracer('order-service/saga');

/**
 * One span per step, named once the step is known (`saga charge`), with the order, saga, step,
 * attempt and outcome as attributes; a throw (lease lost, a fault) is recorded on it as an error.
 * The reads that decide the step are in the span too, so its pg spans nest under it.
 */
function inStepSpan(
  saga: Saga,
  work: (span: Span) => Promise<SagaRunResult | 'continue'>,
): Promise<SagaRunResult | 'continue'> {
  const attributes = { 'order.id': saga.orderId, 'saga.id': saga.id, 'saga.kind': saga.kind };
  return inSpan(tracer, 'saga step', { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setAttribute('saga.outcome', error instanceof LeaseLostError ? 'lease-lost' : 'error');
      throw error;
    }
  });
}

type Known = {
  saga: Saga | undefined;
  order: Order | undefined;
  log: SagaLogEntry[] | undefined;
};

async function runOneStep(
  deps: SagaDeps,
  lease: Lease,
  ctx: CallContext,
  span: Span,
  known: Known,
): Promise<SagaRunResult | 'continue'> {
  // Taken, not kept: only this step's log write can say how the saga stands after it.
  const saga = known.saga ?? (await findSaga(deps.pool, lease.sagaId));
  known.saga = undefined;
  if (saga?.leaseToken !== lease.leaseToken) throw new LeaseLostError();
  span.setAttribute('saga.attempt', saga.attempts + 1);
  const order = (known.order ??= await findOrder(deps.pool, saga.orderId));
  if (order === undefined) throw new Error(`saga ${saga.id} has no order`);
  const log = (known.log ??= await readSagaLog(deps.pool, saga.id));
  const situation = {
    kind: saga.kind,
    items: order.items,
    paymentId: order.paymentId,
    isCancelRequested: saga.cancelRequested !== null,
    isPastDeadline: saga.isPastDeadline,
    log: [...log],
  };
  const { action, isCompensating } = nextAction(situation);
  const record = async (entry: SagaLogEntry) => {
    const attempt = saga.attempts + 1;
    const fresh = await appendSagaLog(deps.pool, lease, {
      ...entry,
      compensating: isCompensating,
      attempt,
    });
    if (fresh === undefined) throw new LeaseLostError();
    known.saga = fresh;
    log.push(entry);
  };
  const step = stepOf(action);
  span.updateName(`saga ${action.kind}`);
  span.setAttributes({ 'saga.step': step, 'saga.compensating': isCompensating });
  const pause = (phase: string) => deps.pause?.(`${phase}:${step}`, order.id);
  if (action.kind !== 'mark-paid' && action.kind !== 'finish') {
    await record({ step, phase: 'intent', outcome: null, detail: null });
    // That record moved the saga from running to compensating: count it once, here.
    const cause =
      isCompensating && saga.state === 'running' ? compensationCause(situation) : undefined;
    if (cause !== undefined) deps.metrics.sagaCompensations.inc({ kind: saga.kind, cause });
  }
  await pause('before');
  const outcome = await whileHoldingLease(deps, lease, () =>
    perform(deps, order, saga, action, ctx),
  );
  await pause('after');
  span.setAttribute('saga.outcome', outcomeLabel(outcome));
  switch (outcome.kind) {
    case 'recorded':
      await record({ step, phase: 'outcome', outcome: outcome.outcome, detail: outcome.detail });
      await pause('recorded');
      if (outcome.isRetryLater) {
        await scheduleSagaRetry(deps.pool, lease, {
          delayMs: deps.retryDelayMs(saga.attempts),
          error: `${step}: ${outcome.outcome}`,
        });
        return { kind: 'waiting', reason: `${step}: ${outcome.outcome}` };
      }
      return 'continue';
    case 'finished':
      await pause('recorded');
      return outcome.result;
    case 'raced':
      return 'continue';
  }
}

/**
 * Renews the lease every third of its length while `work` (a peer call, bounded by its own
 * timeouts) runs, so a slow peer never lets another replica take over a live saga. A renewal
 * that finds the lease gone changes nothing: the next recorded step is refused (fencing).
 */
async function whileHoldingLease<T>(
  deps: SagaDeps,
  lease: Lease,
  work: () => Promise<T>,
): Promise<T> {
  const heartbeat = setInterval(
    () => {
      renewSagaLease(deps.pool, lease).catch((error: unknown) => {
        deps.logger.warn('saga lease renewal failed', { sagaId: lease.sagaId, error });
      });
    },
    (lease.leaseSeconds * 1000) / 3,
  );
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}

const stepOf = (action: SagaAction): string => {
  switch (action.kind) {
    case 'decrease-stock':
      return stepName.decreaseStock(action.item.productId);
    case 'increase-stock':
      return stepName.increaseStock(action.item.productId);
    case 'charge':
      return stepName.charge;
    case 'refund':
      return stepName.refund;
    case 'mark-paid':
      return stepName.markPaid;
    case 'finish':
      return stepName.finish;
  }
};

type StepOutcome =
  | {
      kind: 'recorded';
      outcome: string;
      detail: SagaLogEntry['detail'];
      isRetryLater: boolean;
    }
  | { kind: 'finished'; result: SagaRunResult }
  /** A cancel request or a lease change arrived first; decide again. */
  | { kind: 'raced' };

/** The step span's `saga.outcome`: the logged outcome, the status a final step entered, or `raced`. */
function outcomeLabel(outcome: StepOutcome): string {
  switch (outcome.kind) {
    case 'recorded':
      return outcome.outcome;
    case 'finished':
      return outcome.result.kind === 'finished' ? outcome.result.status : outcome.result.kind;
    case 'raced':
      return 'raced';
  }
}

const recorded = (outcome: string, isRetryLater: boolean, detail: SagaLogEntry['detail'] = null) =>
  ({ kind: 'recorded', outcome, detail, isRetryLater }) as const;

async function perform(
  deps: SagaDeps,
  order: Order,
  saga: Saga,
  action: SagaAction,
  ctx: CallContext,
): Promise<StepOutcome> {
  switch (action.kind) {
    case 'decrease-stock':
    case 'increase-stock': {
      const { productId, quantity } = action.item;
      const result =
        action.kind === 'decrease-stock'
          ? await deps.products.decreaseStock(
              {
                productId,
                quantity,
                orderId: order.id,
                idempotencyKey: stockDecreaseKey(order.id, productId),
              },
              ctx,
            )
          : await deps.products.increaseStock(
              {
                productId,
                quantity,
                orderId: order.id,
                idempotencyKey: stockIncreaseKey(order.id, productId),
              },
              ctx,
            );
      // An unknown outcome is tried again later with the same key; a restock until it succeeds.
      return recorded(result.kind, result.kind === 'unknown');
    }
    case 'charge': {
      const result = await deps.payments.charge(
        {
          orderId: order.id,
          userId: order.userId,
          amountCents: order.totalCents,
          currency: order.currency,
          paymentMethod: saga.paymentMethod ?? undefined,
          idempotencyKey: chargeKey(order.id),
        },
        ctx,
      );
      switch (result.kind) {
        case 'charged':
          return recorded('charged', false, { paymentId: result.paymentId });
        case 'declined':
          return recorded('declined', false, { reason: result.reason });
        case 'wrong-amount':
          return recorded('wrong-amount', false, {
            paymentId: result.paymentId,
            chargedAmount: formatCents(result.chargedCents),
          });
        case 'unknown':
          // peer-services.md: 5xx or timeout on a charge = outcome unknown; retry, same key.
          return recorded('unknown', true);
      }
      break;
    }
    case 'refund': {
      const result = await deps.payments.refund(
        {
          paymentId: action.paymentId,
          amountCents: action.amountCents ?? order.totalCents,
          reason:
            saga.kind === 'cancel' || (saga.kind === 'place' && saga.cancelRequested !== null)
              ? 'order_cancelled'
              : 'order_failed',
          idempotencyKey: refundKey(order.id),
        },
        ctx,
      );
      return recorded(result.kind, result.kind !== 'refunded');
    }
    case 'mark-paid':
      return markPaid(deps, order, saga, action.paymentId);
    case 'finish':
      return finish(deps, order, saga, action);
  }
}

async function markPaid(
  deps: SagaDeps,
  order: Order,
  saga: Saga,
  paymentId: string,
): Promise<StepOutcome> {
  const marked = await markOrderPaid(
    deps.pool,
    { sagaId: saga.id, leaseToken: saga.leaseToken ?? '' },
    { order, paymentId, traceparent: activeTraceparent() },
  );
  if (marked.kind === 'raced') return { kind: 'raced' };
  if (marked.kind === 'moved') throw new Error(`order ${order.id} changed under its saga`);
  const paid = marked.order;
  deps.onNotificationsQueued();
  deps.metrics.orderStatus.inc({ status: 'paid' });
  return {
    kind: 'finished',
    result: { kind: 'finished', order: paid, status: 'paid', productIds: [] },
  };
}

async function finish(
  deps: SagaDeps,
  order: Order,
  saga: Saga,
  action: Extract<SagaAction, { kind: 'finish' }>,
): Promise<StepOutcome> {
  const { actor, reason } = whoFinishes(saga, action);
  const reachedGoal =
    (saga.kind === 'cancel' && action.status === 'cancelled') ||
    (saga.kind === 'fail' && action.status === 'failed');
  const finished = await withTransaction(deps.pool, async (tx) => {
    const leaseHeld = await finishSaga(
      tx,
      { sagaId: saga.id, leaseToken: saga.leaseToken ?? '' },
      { state: reachedGoal ? 'completed' : 'failed', unlessCancelRequested: false },
    );
    if (!leaseHeld) return undefined;
    return mustEnter(tx, order, action.status, { actor, reason, paymentId: undefined });
  });
  if (finished === undefined) return { kind: 'raced' };
  deps.onNotificationsQueued();
  deps.metrics.orderStatus.inc({ status: action.status });
  return {
    kind: 'finished',
    result: {
      kind: 'finished',
      order: finished,
      status: action.status,
      ...(action.cause === undefined ? {} : { cause: action.cause }),
      productIds: action.productIds,
    },
  };
}

/** History's actor is whoever asked for the change; `system` for the saga's own moves. */
function whoFinishes(
  saga: Saga,
  action: Extract<SagaAction, { kind: 'finish' }>,
): { actor: ActorLabel; reason: string | null } {
  if (saga.kind !== 'place') return { actor: saga.actor, reason: saga.reason };
  if (action.status === 'cancelled' && saga.cancelRequested !== null) {
    return { actor: saga.cancelRequested.actor, reason: saga.cancelRequested.reason };
  }
  return { actor: 'system', reason: action.cause ?? null };
}

/** The saga holds the order (one active saga per order): nobody else may have moved it. */
async function mustEnter(...args: Parameters<typeof enterStatus>): Promise<Order> {
  const updated = await enterStatus(...args);
  if (updated === undefined) throw new Error(`order ${args[1].id} changed under its saga`);
  return updated;
}

/**
 * Moves the order into `to` (undefined when it is no longer in its status or version), records the history entry and queues the notification of the state
 * it enters — one transaction, the caller's.
 */
export async function enterStatus(
  tx: Queryable,
  order: Order,
  to: OrderStatus,
  change: {
    actor: ActorLabel;
    reason: string | null;
    paymentId: string | undefined;
    expectedVersion?: number | undefined;
  },
): Promise<Order | undefined> {
  const updated = await updateOrderStatus(tx, {
    id: order.id,
    from: order.status,
    to,
    paymentId: change.paymentId,
    expectedVersion: change.expectedVersion,
  });
  if (updated === undefined) return undefined;
  await insertHistory(tx, {
    orderId: order.id,
    from: order.status,
    to,
    actor: change.actor,
    reason: change.reason,
  });
  await insertOutboxEvent(tx, {
    orderId: order.id,
    userId: order.userId,
    ...statusNotification(order.status, to, change.reason),
    traceparent: activeTraceparent(),
  });
  return updated;
}
