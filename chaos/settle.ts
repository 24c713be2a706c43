import type { Pool } from '../src/db/pool.js';

export type Backlog = { unfinishedSagas: number; undeliveredEvents: number };

/**
 * Polls until no saga is unfinished and every outbox event is delivered, or `timeoutMs` passes.
 * A saga or event that failed during an outage may wait up to a minute for its next try
 * (src/saga/backoff.ts), so settling takes a while even with every fault gone.
 */
export async function waitUntilSettled(
  pool: Pool,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ isSettled: boolean; waitedMs: number; backlog: Backlog }> {
  const started = Date.now();
  for (;;) {
    const backlog = await readBacklog(pool).catch(() => undefined);
    const waitedMs = Date.now() - started;
    if (backlog?.unfinishedSagas === 0 && backlog.undeliveredEvents === 0) {
      return { isSettled: true, waitedMs, backlog };
    }
    if (waitedMs > timeoutMs || signal.aborted) {
      return {
        isSettled: false,
        waitedMs,
        backlog: backlog ?? { unfinishedSagas: -1, undeliveredEvents: -1 },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function readBacklog(pool: Pool): Promise<Backlog> {
  const { rows } = await pool.query<Backlog>(
    `select (select count(*) from sagas where state in ('running', 'compensating'))::int
              as "unfinishedSagas",
            (select count(*) from outbox where delivered_at is null)::int as "undeliveredEvents"`,
  );
  return rows[0] ?? { unfinishedSagas: -1, undeliveredEvents: -1 };
}
