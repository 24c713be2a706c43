import type { Span } from '@opentelemetry/api';
import type { Order } from '../domain/order.js';
import type { SagaAction, SagaDecision } from '../domain/order-saga.js';
import { nextAction } from '../domain/order-saga.js';
import { statusesInto } from '../domain/order-status.js';
import type { SagaLogEntry } from '../domain/saga-log.js';
import { checkpointAfter, outcomeOf } from '../domain/saga-log.js';
import { findOrder } from '../db/order-repository.js';
import { findSaga } from '../db/saga-lease-repository.js';
import type { SagaLease } from '../db/saga-log-repository.js';
import {
  parkSaga,
  readSagaLog,
  recordSagaProgress,
  scheduleSagaRetry,
} from '../db/saga-log-repository.js';
import type { Saga } from '../db/saga-row.js';
import { activeTraceparent } from '../observability/tracing-context.js';
import type { CallContext } from '../peers/peer-http.js';
import { moveOrderStatus } from './move-order-status.js';
import type { SagaDeps, SagaRunResult } from './saga-deps.js';
import { LeaseLostError } from './saga-deps.js';
import { inStepSpan } from './saga-span.js';
import { performStep } from './saga-steps.js';

/** One run of a saga: what it holds, and what it did that the database does not know yet. */
type Run = {
  deps: SagaDeps;
  ctx: CallContext;
  lease: SagaLease;
  saga: Saga;
  order: Order;
  log: SagaLogEntry[];
  unsaved: SagaLogEntry[];
  isLogComplete: boolean;
  isCompensating: boolean;
};

/**
 * Drives a saga whose lease `saga.leaseToken` holds until it finishes or must wait for a peer:
 * asks the plan (domain/order-saga.ts) for the next action, performs it, and records it where
 * a crash would otherwise lose something. `stored`: the order this process just stored or
 * claimed with the saga, whose log is therefore empty and complete; else both are read.
 */
export function runSaga(
  deps: SagaDeps,
  saga: Saga,
  ctx: CallContext,
  stored?: Order,
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
  stored: Order | undefined,
): Promise<SagaRunResult> {
  const { leaseToken } = saga;
  if (leaseToken === null) return { kind: 'lease-lost' };
  const lease = { sagaId: saga.id, leaseToken, leaseSeconds: deps.leaseSeconds };
  const log = deps.logger.child({
    sagaId: saga.id,
    orderId: saga.orderId,
    requestId: ctx.requestId,
  });
  try {
    const order = stored ?? (await findOrder(deps.pool, saga.orderId));
    if (order === undefined) throw new Error(`saga ${saga.id} has no order`);
    const known = stored === undefined ? await readSagaLog(deps.pool, saga.id) : [];
    const run: Run = {
      ...{ deps, ctx, lease, saga, order, log: known, unsaved: [] },
      isLogComplete: stored !== undefined,
      isCompensating: saga.state === 'compensating' && stored === undefined,
    };
    for (;;) {
      const result = await inStepSpan(saga, (span) => takeStep(run, span));
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

async function takeStep(run: Run, span: Span): Promise<SagaRunResult | 'continue'> {
  const { deps, saga, order } = run;
  const decision = nextAction({
    kind: saga.kind,
    items: order.items,
    totalCents: order.totalCents,
    paymentId: order.paymentId,
    requestedBy: { actor: saga.actor, reason: saga.reason },
    cancelRequest: saga.cancelRequested,
    isPastDeadline: saga.isPastDeadline,
    isLogComplete: run.isLogComplete,
    log: run.log,
  });
  const { action } = decision;
  if (decision.isCompensating && !run.isCompensating) {
    run.isCompensating = true;
    if (decision.cause !== undefined) {
      deps.metrics.sagaCompensations.inc({ kind: saga.kind, cause: decision.cause });
    }
  }
  span.updateName(`saga ${action.kind}`);
  span.setAttributes({ 'saga.step': action.kind, 'saga.compensating': decision.isCompensating });
  const pause = (phase: string) => deps.pause?.(`${phase}:${action.kind}`, order.id);
  await pause('before');
  if (action.kind === 'mark-paid' || action.kind === 'finish') {
    return end(run, span, decision, action);
  }
  if (action.kind === 'park') return park(run, decision, action);
  const entry = await performStep(deps, run.lease, run, action);
  await pause('after');
  span.setAttribute('saga.outcome', outcomeOf(entry));
  run.log.push(entry);
  run.unsaved.push(entry);
  const checkpoint = checkpointAfter(entry);
  if (checkpoint === 'none') return 'continue';
  const reason = `${entry.step}: ${outcomeOf(entry)}`;
  const saved = await recordSagaProgress(deps.pool, run.lease, {
    entries: run.unsaved,
    step: entry.step,
    isCompensating: decision.isCompensating,
    attempt: saga.attempts + 1,
    retry:
      checkpoint === 'retry-later'
        ? { delayMs: deps.retryDelayMs(saga.attempts), error: reason }
        : undefined,
  });
  if (saved === undefined) throw new LeaseLostError();
  run.saga = saved;
  run.unsaved = [];
  await pause('recorded');
  return checkpoint === 'retry-later' ? { kind: 'waiting', reason } : 'continue';
}

/**
 * A peer refused a step for good (issue 13, point 2): the saga stops retrying and waits for an
 * admin's retry or resolve, holding its order; counted, logged, listed by the admin API.
 */
async function park(
  run: Run,
  decision: SagaDecision,
  action: Extract<SagaAction, { kind: 'park' }>,
): Promise<SagaRunResult> {
  const { deps, saga } = run;
  const { answer } = action;
  const parked = await parkSaga(deps.pool, run.lease, {
    entries: run.unsaved,
    step: action.step,
    isCompensating: decision.isCompensating,
    attempt: saga.attempts + 1,
    answer,
    recordsEvent: deps.recordsOrderEvents,
  });
  if (!parked) throw new LeaseLostError();
  if (deps.recordsOrderEvents) deps.onNotificationsQueued();
  deps.metrics.sagaParked.inc({
    kind: saga.kind,
    service: answer.service,
    operation: answer.operation,
  });
  const reason = `needs attention: ${answer.service} ${answer.operation} answered ${String(answer.status)}`;
  deps.logger.warn('saga parked: a peer refused a step; an admin must retry or resolve it', {
    sagaId: saga.id,
    orderId: saga.orderId,
    ...answer,
  });
  return { kind: 'waiting', reason };
}

/** The saga's last write: the order enters its new status and the saga ends, one statement. */
async function end(
  run: Run,
  span: Span,
  decision: SagaDecision,
  action: Extract<SagaAction, { kind: 'mark-paid' | 'finish' }>,
): Promise<SagaRunResult | 'continue'> {
  const { deps, saga, order } = run;
  const isPaid = action.kind === 'mark-paid';
  const to = isPaid ? 'paid' : action.status;
  const result = await moveOrderStatus(deps, {
    order,
    to,
    from: statusesInto(to),
    ...(isPaid
      ? { actor: 'system', reason: null }
      : { actor: action.actor, reason: action.reason }),
    paymentId: isPaid ? action.paymentId : undefined,
    traceparent: activeTraceparent(),
    saga: {
      id: saga.id,
      leaseToken: run.lease.leaseToken,
      state: isPaid ? 'completed' : action.sagaState,
      isCancelRequestSeen: saga.cancelRequested !== null,
      log: run.unsaved,
      attempt: saga.attempts + 1,
    },
  });
  span.setAttribute('saga.outcome', result.kind === 'moved' ? to : result.kind);
  switch (result.kind) {
    case 'moved':
      await deps.pause?.(`recorded:${action.kind}`, order.id);
      return {
        kind: 'finished',
        order: result.order,
        status: to,
        ...(!isPaid && action.cause !== undefined ? { cause: action.cause } : {}),
        productIds: isPaid ? [] : action.productIds,
      };
    case 'raced': {
      // A cancel arrived that the plan had not seen: decide again with it. Else the lease lapsed.
      const fresh = await findSaga(deps.pool, saga.id);
      const isNewCancel = saga.cancelRequested === null && fresh?.cancelRequested != null;
      if (fresh?.leaseToken !== run.lease.leaseToken || !isNewCancel) throw new LeaseLostError();
      run.saga = fresh;
      return 'continue';
    }
    case 'refused':
      throw new Error(`order ${order.id} changed under its saga (${decision.action.kind})`);
  }
}
