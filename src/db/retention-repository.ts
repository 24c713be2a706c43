import type { Queryable } from './pool.js';

/**
 * One batch of a retention pass. Rows are taken in id order after `afterId` (the last id of the
 * previous batch), so a pass reads each table once however many batches it takes; restarting
 * every batch from the first row would re-read the dead rows of the batches before it. Rows
 * another runner holds are skipped (`skip locked`): two passes at once delete disjoint rows.
 */
export type RetentionBatch = { olderThanSeconds: number; limit: number; afterId: number };

/**
 * Deletes up to `limit` finished sagas (completed or failed) last changed more than
 * `olderThanSeconds` ago, with their log. The log rows are deleted by the statement itself, not
 * left to the `on delete cascade`, so they can be counted. An unfinished saga — running,
 * compensating, parked — is never touched. `lastId` is undefined when nothing was left.
 */
export async function deleteFinishedSagas(
  db: Queryable,
  batch: RetentionBatch,
): Promise<{ sagas: number; sagaLog: number; lastId: number | undefined }> {
  const { rows } = await db.query<{ sagas: number; saga_log: number; last_id: number | null }>(
    `with doomed as (
       select id from sagas
       where id > $3 and state in ('completed', 'failed')
         and updated_at < now() - make_interval(secs => $1)
       order by id
       limit $2
       for update skip locked),
     log as (
       delete from saga_log where saga_id in (select id from doomed) returning 1),
     gone as (
       delete from sagas where id in (select id from doomed) returning 1)
     select (select count(*) from gone)::int as sagas, (select count(*) from log)::int as saga_log,
       (select max(id) from doomed) as last_id`,
    [batch.olderThanSeconds, batch.limit, batch.afterId],
  );
  const row = rows[0];
  return { sagas: row?.sagas ?? 0, sagaLog: row?.saga_log ?? 0, lastId: row?.last_id ?? undefined };
}

/**
 * The relayed tables and the column saying when a row left: the outbox's notifications once
 * delivered, order events once the broker confirmed them. Identifiers from this constant only.
 */
const sentAt = { outbox: 'delivered_at', order_events: 'published_at' } as const;
export type RelayedTable = keyof typeof sentAt;

/**
 * Deletes up to `limit` rows of `table` sent more than `olderThanSeconds` ago. A row not yet sent
 * (its `sentAt` column null) is never touched, however old.
 */
export async function deleteSentRows(
  db: Queryable,
  table: RelayedTable,
  batch: RetentionBatch,
): Promise<{ deleted: number; lastId: number | undefined }> {
  const { rows } = await db.query<{ deleted: number; last_id: number | null }>(
    `with doomed as (
       select id from ${table}
       where id > $3 and ${sentAt[table]} < now() - make_interval(secs => $1)
       order by id
       limit $2
       for update skip locked),
     gone as (
       delete from ${table} where id in (select id from doomed) returning 1)
     select (select count(*) from gone)::int as deleted, (select max(id) from doomed) as last_id`,
    [batch.olderThanSeconds, batch.limit, batch.afterId],
  );
  const row = rows[0];
  return { deleted: row?.deleted ?? 0, lastId: row?.last_id ?? undefined };
}
