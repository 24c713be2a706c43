import type { OrderId } from '../domain/ids.js';
import type { Queryable } from './pool.js';
import type { CancelRequest, Saga, SagaRow } from './saga-row.js';
import { sagaColumns, toSaga } from './saga-row.js';

/**
 * Who drives a saga: a lease (`lease_token` until `locked_until`, on the database clock), taken
 * when a saga is stored or claimed and renewed while its runner works, so replicas never run
 * the same saga at once and a crashed replica's sagas come back once its leases lapse.
 */
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

/**
 * Records a cancel request on an order's running place saga (a semantic lock). It makes the saga
 * due now, unless it is parked: then the cancel is seen once an admin retries or resolves it.
 */
export async function requestCancel(
  db: Queryable,
  id: OrderId,
  request: CancelRequest,
): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>(
    `update sagas set cancel_requested = coalesce(cancel_requested, $2),
       next_attempt_at = case when parked_at is null then now() else next_attempt_at end,
       updated_at = now()
     where order_id = $1 and kind = 'place' and state in ('running', 'compensating')
     returning ${sagaColumns}`,
    [id, request],
  );
  return rows[0] === undefined ? undefined : toSaga(rows[0]);
}

/** Takes the lease of one saga if nobody holds it (or the holder's lease expired) and not parked. */
export async function claimSaga(
  db: Queryable,
  sagaId: number,
  leaseToken: string,
  leaseSeconds: number,
): Promise<Saga | undefined> {
  const { rows } = await db.query<SagaRow>(
    `update sagas set lease_token = $2, locked_until = now() + make_interval(secs => $3)
     where id = $1 and state in ('running', 'compensating') and parked_at is null
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
         and parked_at is null and (locked_until is null or locked_until < now())
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
