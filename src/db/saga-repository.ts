import type { ActorLabel } from '../domain/actor.js';
import type { OrderId } from '../domain/ids.js';
import { orderId } from '../domain/ids.js';
import type { SagaKind, SagaLogEntry, SagaState, SagaSummary } from '../domain/order-saga.js';
import type { Queryable } from './pool.js';

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
};

export const sagaColumns = `id, order_id, kind, state, step, actor, reason, payment_method, request_id,
  traceparent, cancel_requested, attempts, last_error, lease_token,
  now() > deadline_at as is_past_deadline`;

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
});

/**
 * Lease times come from the database clock, never from a replica's. `traceparent` is the span
 * that creates the saga: recovery links its traces to it.
 */
export async function insertSaga(
  db: Queryable,
  saga: {
    orderId: OrderId;
    kind: SagaKind;
    actor: ActorLabel;
    reason: string | null;
    paymentMethod: string | null;
    requestId: string | null;
    deadlineMs: number;
    leaseToken: string;
    leaseSeconds: number;
    traceparent: string | null;
  },
): Promise<Saga> {
  const { rows } = await db.query<SagaRow>(
    `insert into sagas (order_id, kind, step, actor, reason, payment_method, request_id,
       lease_token, locked_until, deadline_at, traceparent)
     values ($1, $2, 'start', $3, $4, $5, $6, $7, now() + make_interval(secs => $8),
       now() + make_interval(secs => $9), $10)
     returning ${sagaColumns}`,
    [
      saga.orderId,
      saga.kind,
      saga.actor,
      saga.reason,
      saga.paymentMethod,
      saga.requestId,
      saga.leaseToken,
      saga.leaseSeconds,
      saga.deadlineMs / 1000,
      saga.traceparent,
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('insert into sagas returned no row');
  return toSaga(row);
}

export async function findSaga(db: Queryable, id: number): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>(`select ${sagaColumns} from sagas where id = $1`, [id]);
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

export async function findActiveSaga(db: Queryable, id: OrderId): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>(
    `select ${sagaColumns} from sagas where order_id = $1 and state in ('running', 'compensating')`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

export async function readSagaLog(db: Queryable, sagaId: number): Promise<SagaLogEntry[]> {
  const { rows } = await db.query<SagaLogEntry>(
    `select step, phase, outcome, detail from saga_log where saga_id = $1 order by id`,
    [sagaId],
  );
  return rows;
}

/**
 * Appends to the saga log only while `leaseToken` still holds the lease, and renews the lease in
 * the same statement (fencing): a runner paused past its lease records nothing. Returns the saga
 * as it stands after the write (a cancel request or a passed deadline included), so the runner
 * decides its next step without reading it again; undefined when the lease is lost.
 */
export async function appendSagaLog(
  db: Queryable,
  lease: { sagaId: number; leaseToken: string; leaseSeconds: number },
  entry: SagaLogEntry & { compensating: boolean; attempt: number },
): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>({
    name: 'append-saga-log',
    text: `with lease as (
       update sagas
       set locked_until = now() + make_interval(secs => $3), step = $4, updated_at = now(),
           state = case when $8 then 'compensating' else state end
       where id = $1 and lease_token = $2 and locked_until > now()
       returning ${sagaColumns}),
     logged as (
       insert into saga_log (saga_id, step, phase, outcome, detail, attempt)
       select id, $4, $5, $6, $7, $9 from lease)
     select * from lease`,
    values: [
      lease.sagaId,
      lease.leaseToken,
      lease.leaseSeconds,
      entry.step,
      entry.phase,
      entry.outcome,
      entry.detail,
      entry.compensating,
      entry.attempt,
    ],
  });
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

/**
 * Ends a saga if `leaseToken` holds it; with `unlessCancelRequested`, only while no cancel was
 * recorded (so a cancel and the saga's last step cannot both win). Locks the saga row.
 */
export async function finishSaga(
  db: Queryable,
  lease: { sagaId: number; leaseToken: string },
  outcome: { state: 'completed' | 'failed'; unlessCancelRequested: boolean },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update sagas set state = $3, step = 'finish', lease_token = null, locked_until = null,
       updated_at = now()
     where id = $1 and lease_token = $2 and locked_until > now()
       and (not $4 or cancel_requested is null)`,
    [lease.sagaId, lease.leaseToken, outcome.state, outcome.unlessCancelRequested],
  );
  return rowCount === 1;
}

/** Records a cancel request on an order's running place saga (a semantic lock). */
export async function requestCancel(
  db: Queryable,
  id: OrderId,
  request: CancelRequest,
): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>(
    `update sagas set cancel_requested = coalesce(cancel_requested, $2), next_attempt_at = now(),
       updated_at = now()
     where order_id = $1 and kind = 'place' and state in ('running', 'compensating')
     returning ${sagaColumns}`,
    [id, request],
  );
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

/** Takes the lease of one saga if nobody holds it (or the holder's lease expired). */
export async function claimSaga(
  db: Queryable,
  sagaId: number,
  leaseToken: string,
  leaseSeconds: number,
): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>(
    `update sagas set lease_token = $2, locked_until = now() + make_interval(secs => $3)
     where id = $1 and state in ('running', 'compensating')
       and (locked_until is null or locked_until < now())
     returning ${sagaColumns}`,
    [sagaId, leaseToken, leaseSeconds],
  );
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

/** Leases up to `limit` unfinished sagas that are due, skipping rows another replica is claiming. */
export async function claimDueSagas(
  db: Queryable,
  limit: number,
  leaseSeconds: number,
): Promise<Saga[]> {
  const { rows } = await db.query<SagaRow>(
    `update sagas set lease_token = gen_random_uuid(),
       locked_until = now() + make_interval(secs => $2)
     where id in (
       select id from sagas
       where state in ('running', 'compensating') and next_attempt_at <= now()
         and (locked_until is null or locked_until < now())
       order by next_attempt_at
       limit $1
       for update skip locked)
     returning ${sagaColumns}`,
    [limit, leaseSeconds],
  );
  return rows.map(toSaga);
}

/** Extends the lease if `leaseToken` still holds it; false once another runner took over. */
export async function renewSagaLease(
  db: Queryable,
  lease: { sagaId: number; leaseToken: string; leaseSeconds: number },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update sagas set locked_until = now() + make_interval(secs => $3)
     where id = $1 and lease_token = $2 and locked_until > now()`,
    [lease.sagaId, lease.leaseToken, lease.leaseSeconds],
  );
  return rowCount === 1;
}

/** Gives the lease back and schedules the next attempt (after an unknown outcome). */
export async function scheduleSagaRetry(
  db: Queryable,
  lease: { sagaId: number; leaseToken: string },
  retry: { delayMs: number; error: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update sagas set lease_token = null, locked_until = null, attempts = attempts + 1,
       last_error = $4, next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
     where id = $1 and lease_token = $2`,
    [lease.sagaId, lease.leaseToken, retry.delayMs / 1000, retry.error],
  );
  return rowCount === 1;
}

type SagaSummaryRow = {
  id: number;
  order_id: number;
  kind: SagaKind;
  state: SagaState;
  step: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  locked_until: Date | null;
  deadline_at: Date;
  created_at: Date;
  updated_at: Date;
};

const summaryColumns = `id, order_id, kind, state, step, attempts, last_error, next_attempt_at,
  locked_until, deadline_at, created_at, updated_at`;

const toSummary = (row: SagaSummaryRow): SagaSummary => ({
  id: row.id,
  orderId: orderId(row.order_id),
  kind: row.kind,
  state: row.state,
  step: row.step,
  attempts: row.attempts,
  lastError: row.last_error,
  nextAttemptAt: row.next_attempt_at,
  lockedUntil: row.locked_until,
  deadlineAt: row.deadline_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Sagas in `states`, the longest waiting first (oldest next attempt, then oldest saga). */
export async function listSagas(
  db: Queryable,
  states: readonly SagaState[],
  page: { offset: number; limit: number },
): Promise<{ sagas: SagaSummary[]; total: number }> {
  const [pageResult, countResult] = await Promise.all([
    db.query<SagaSummaryRow>(
      `select ${summaryColumns} from sagas where state = any($1::text[])
       order by next_attempt_at, id limit $2 offset $3`,
      [states, page.limit, page.offset],
    ),
    db.query<{ total: number }>(
      `select count(*)::int as total from sagas where state = any($1::text[])`,
      [states],
    ),
  ]);
  return { sagas: pageResult.rows.map(toSummary), total: countResult.rows[0]?.total ?? 0 };
}

/** Makes an unfinished saga due now (its lease, if held, is left to its holder). */
export async function scheduleSagaNow(db: Queryable, id: number): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `update sagas set next_attempt_at = now(), updated_at = now()
     where id = $1 and state in ('running', 'compensating')
     returning ${summaryColumns}`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

export async function findSagaSummary(db: Queryable, id: number): Promise<SagaSummary | undefined> {
  const { rows } = await db.query<SagaSummaryRow>(
    `select ${summaryColumns} from sagas where id = $1`,
    [id],
  );
  return rows[0] === undefined ? undefined : toSummary(rows[0]);
}

/**
 * A saga is stuck when it has ended `attempts` passes without a decision (peer outcomes unknown),
 * or has been due for `dueForSeconds` without moving: no replica's recovery picks it up, or one
 * run has held it that long.
 */
export const stuckSaga = { attempts: 3, dueForSeconds: 60 };

/**
 * Unfinished sagas by kind and step, with how many are stuck (`stuckSaga`). The step loses its
 * product id (`decrease-stock:42` → `decrease-stock`). Reads only the rows of the partial index
 * on unfinished sagas.
 */
export async function countUnfinishedSagas(
  db: Queryable,
): Promise<{ kind: SagaKind; step: string; inFlight: number; stuck: number }[]> {
  const { rows } = await db.query<{
    kind: SagaKind;
    step: string;
    in_flight: number;
    stuck: number;
  }>(
    `select kind, split_part(step, ':', 1) as step, count(*)::int as in_flight,
       count(*) filter (where attempts >= $1
         or next_attempt_at < now() - make_interval(secs => $2))::int as stuck
     from sagas where state in ('running', 'compensating')
     group by kind, split_part(step, ':', 1)`,
    [stuckSaga.attempts, stuckSaga.dueForSeconds],
  );
  return rows.map((row) => ({
    kind: row.kind,
    step: row.step,
    inFlight: row.in_flight,
    stuck: row.stuck,
  }));
}
