import type { Actor } from '../domain/actor.js';
import { actorLabel, isAdmin } from '../domain/actor.js';
import {
  ForbiddenError,
  SagaFinishedError,
  SagaNotFoundError,
  SagaNotParkedError,
} from '../domain/errors.js';
import type { SagaState, SagaSummary } from '../domain/order-saga.js';
import { paginationOf, rowsOf } from '../domain/page.js';
import type { AdminDecision } from '../domain/saga-attention.js';
import { entriesFor } from '../domain/saga-attention.js';
import type { SagaLogRecord } from '../domain/saga-log.js';
import { knowledgeOf } from '../domain/saga-log.js';
import type { SagaFilter } from '../db/saga-admin-repository.js';
import {
  findSagaSummary,
  listSagas,
  readSagaLogRecords,
  scheduleSagaNow,
  unparkSaga,
} from '../db/saga-admin-repository.js';
import { readSagaLog } from '../db/saga-log-repository.js';
import type { OrdersDeps } from './orders-deps.js';

/** `needs-attention`: parked sagas (a peer refused a step for good); `unfinished` includes them. */
export type SagaListState = SagaState | 'unfinished' | 'needs-attention';

export type SagaQuery = { state: SagaListState; page: number; limit: number };

const assertAdmin = (actor: Actor): void => {
  if (!isAdmin(actor)) throw new ForbiddenError('Only an admin may see or retry sagas.');
};

const unfinished: SagaState[] = ['running', 'compensating'];

const filterOf = (state: SagaListState): SagaFilter => {
  switch (state) {
    case 'unfinished':
      return { states: unfinished };
    case 'needs-attention':
      return { states: unfinished, isParked: true };
    case 'running':
    case 'compensating':
      return { states: [state], isParked: false };
    case 'completed':
    case 'failed':
      return { states: [state] };
  }
};

/** GET /api/admin/sagas: unfinished (or one state's) sagas, with step, attempts and last error. */
export async function listSagasFor(deps: OrdersDeps, actor: Actor, query: SagaQuery) {
  assertAdmin(actor);
  const found = await listSagas(deps.pool, filterOf(query.state), rowsOf(query));
  return {
    sagas: found.sagas,
    pagination: { ...paginationOf(query, found.total), totalIsLowerBound: found.isCapped },
  };
}

/** GET /api/admin/sagas/:id: the saga and its log, admin decisions included (the audit). */
export async function sagaWithLog(
  deps: OrdersDeps,
  actor: Actor,
  id: number,
): Promise<{ saga: SagaSummary; log: SagaLogRecord[] }> {
  assertAdmin(actor);
  const saga = await findSagaSummary(deps.pool, id);
  if (saga === undefined) throw new SagaNotFoundError(id);
  return { saga, log: await readSagaLogRecords(deps.pool, id) };
}

/**
 * POST /api/admin/sagas/:id/retry: an unfinished saga is made due now and the recovery loop is
 * woken to take it; a parked one sends its refused step again (its cause fixed, say).
 */
export async function retrySaga(
  deps: OrdersDeps,
  actor: Actor,
  id: number,
  reason: string | null,
): Promise<SagaSummary> {
  assertAdmin(actor);
  const scheduled = await scheduleSagaNow(deps.pool, id);
  if (scheduled !== undefined) {
    deps.wakeRecovery();
    return scheduled;
  }
  const saga = await findSagaSummary(deps.pool, id);
  if (saga === undefined) throw new SagaNotFoundError(id);
  if (saga.parkedAt === null) throw new SagaFinishedError(id);
  return decide(deps, id, { action: 'retry', actor: actorLabel(actor), reason });
}

/**
 * POST /api/admin/sagas/:id/resolve: the admin settled a parked saga's refused step by hand — a
 * refused stock decrease or charge as not done (the order fails, or ends cancelled when a cancel
 * waits, with what was done undone), a refused refund or restock as done (the cancel or fail
 * finishes). The history names the admin where the order fails for it.
 */
export async function resolveSaga(
  deps: OrdersDeps,
  actor: Actor,
  id: number,
  reason: string,
): Promise<SagaSummary> {
  assertAdmin(actor);
  const saga = await findSagaSummary(deps.pool, id);
  if (saga === undefined) throw new SagaNotFoundError(id);
  if (!unfinished.includes(saga.state)) throw new SagaFinishedError(id);
  if (saga.parkedAt === null) throw new SagaNotParkedError(id);
  return decide(deps, id, { action: 'resolve', actor: actorLabel(actor), reason });
}

/** Appends the decision to a still parked saga's log and makes it due; one of two at once wins. */
async function decide(deps: OrdersDeps, id: number, decision: AdminDecision) {
  // Nothing writes a parked saga's log but a decision, and the losing one writes nothing.
  const known = knowledgeOf(await readSagaLog(deps.pool, id));
  const note = `${decision.action} by ${decision.actor}`;
  const unparked = await unparkSaga(deps.pool, id, entriesFor(known, decision), note);
  if (unparked === undefined) throw new SagaNotParkedError(id);
  deps.wakeRecovery();
  return unparked;
}
