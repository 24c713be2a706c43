import { beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import { listSagas, sagaCountCap } from '../../src/db/saga-admin-repository.js';
import { claimDueSagas } from '../../src/db/saga-lease-repository.js';
import { useMigratedDatabase } from '../support/test-database.js';

// Issue 13, point 8: the recovery claim and the admin list read the partial index on unfinished
// sagas, whatever the number of finished ones; the admin list never counts them all.
const { pool } = useMigratedDatabase(2);
beforeAll(async () => {
  // 30,000 finished sagas (what accumulates between retention passes), 60 unfinished ones:
  // 40 due, 15 due later, 5 parked.
  await pool.query(
    `insert into orders (user_id, status, total_amount, currency, shipping_address, payment_id)
     select 1 + g % 100, case when g <= 30000 then 'paid' else 'pending' end, 10.00, 'USD',
       '{}', case when g <= 30000 then 'pay_' || g end
     from generate_series(1, 30060) g`,
  );
  await pool.query(
    `insert into sagas (order_id, kind, state, step, actor, deadline_at, next_attempt_at,
       parked_at, updated_at)
     select id, 'place', case when id <= 30000 then 'completed' else 'running' end, 'charge',
       'system', now() + interval '15 minutes',
       case when id <= 30040 then now() - interval '1 second'
            when id <= 30055 then now() + interval '1 hour' else 'infinity' end,
       case when id > 30055 then now() end, now() - interval '1 day'
     from orders`,
  );
  await pool.query('analyze sagas');
});

/** Runs a repository function against EXPLAIN of each of its statements; returns the plans. */
async function plansOf(run: (db: Queryable) => Promise<unknown>): Promise<string[]> {
  const plans: string[] = [];
  const explaining = {
    async query(config: string | { text: string }, values?: unknown[]) {
      const text = typeof config === 'string' ? config : config.text;
      const { rows } = await pool.query<{ 'QUERY PLAN': unknown }>(
        `explain (format json) ${text}`,
        values,
      );
      plans.push(JSON.stringify(rows[0]?.['QUERY PLAN']));
      return { rows: [], rowCount: 0 };
    },
  } as unknown as Queryable;
  await run(explaining);
  return plans;
}

const unfinishedIndexes = /"Index Name":"(sagas_due_idx|sagas_one_active_per_order)"/;

describe('saga statements and their plans', () => {
  it('the recovery claim reads the partial index on unfinished sagas', async () => {
    const [claim] = await plansOf((db) => claimDueSagas(db, 50, 30));

    expect(claim).toMatch(/"Index Name":"sagas_due_idx"/);
    expect(claim).not.toMatch(/"Node Type":"Seq Scan"/);
  });

  it.each([
    ['unfinished', { states: ['running', 'compensating'] as const }],
    ['needs-attention', { states: ['running', 'compensating'] as const, isParked: true }],
    ['running', { states: ['running'] as const, isParked: false }],
  ])('the admin list of %s sagas reads only that index, page and count', async (_, filter) => {
    const plans = await plansOf((db) =>
      listSagas(db, { ...filter, states: [...filter.states] }, { offset: 0, limit: 20 }),
    );

    expect(plans).toHaveLength(2);
    for (const plan of plans) {
      expect(plan).toMatch(unfinishedIndexes);
      expect(plan).not.toMatch(/"Node Type":"Seq Scan"/);
    }
  });

  it('the admin list of finished sagas stops counting at the cap', async () => {
    const [, count] = await plansOf((db) =>
      listSagas(db, { states: ['completed'] }, { offset: 0, limit: 20 }),
    );
    const listed = await listSagas(pool, { states: ['completed'] }, { offset: 0, limit: 20 });

    expect(count).toMatch(/"Node Type":"Limit"/);
    expect(listed).toMatchObject({ total: sagaCountCap, isCapped: true });
    expect(listed.sagas).toHaveLength(20);
    const parked = await listSagas(
      pool,
      { states: ['running', 'compensating'], isParked: true },
      { offset: 0, limit: 20 },
    );
    expect(parked).toMatchObject({ total: 5, isCapped: false });
  });

  it('the claim takes due sagas only: not later ones, not parked ones, not leased ones', async () => {
    const first = await claimDueSagas(pool, 100, 30);
    const again = await claimDueSagas(pool, 100, 30);

    expect(first).toHaveLength(40);
    expect(again).toHaveLength(0);
  });
});
