import type { Actor } from '../domain/actor.js';
import { isAdmin } from '../domain/actor.js';
import { ForbiddenError, SagaFinishedError, SagaNotFoundError } from '../domain/errors.js';
import type { SagaState, SagaSummary } from '../domain/order-saga.js';
import { paginationOf, rowsOf } from '../domain/page.js';
import { findSagaSummary, listSagas, scheduleSagaNow } from '../db/saga-admin-repository.js';
import type { OrdersDeps } from './orders-deps.js';

export type SagaQuery = { state: SagaState | 'unfinished'; page: number; limit: number };

const assertAdmin = (actor: Actor): void => {
  if (!isAdmin(actor)) throw new ForbiddenError('Only an admin may see or retry sagas.');
};

/** GET /api/admin/sagas: unfinished (or one state's) sagas, with step, attempts and last error. */
export async function listSagasFor(deps: OrdersDeps, actor: Actor, query: SagaQuery) {
  assertAdmin(actor);
  const states: SagaState[] =
    query.state === 'unfinished' ? ['running', 'compensating'] : [query.state];
  const { sagas, total } = await listSagas(deps.pool, states, rowsOf(query));
  return { sagas, pagination: paginationOf(query, total) };
}

/** POST /api/admin/sagas/:id/retry: due now, and the recovery loop is woken to take it. */
export async function retrySaga(deps: OrdersDeps, actor: Actor, id: number): Promise<SagaSummary> {
  assertAdmin(actor);
  const scheduled = await scheduleSagaNow(deps.pool, id);
  if (scheduled !== undefined) {
    deps.wakeRecovery();
    return scheduled;
  }
  if ((await findSagaSummary(deps.pool, id)) === undefined) throw new SagaNotFoundError(id);
  throw new SagaFinishedError(id);
}
