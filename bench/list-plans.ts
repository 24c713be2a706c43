/**
 * The plans of the statements the service really runs: a repository function is called with a
 * connection whose `query` first runs each statement under EXPLAIN (ANALYZE, BUFFERS), keeps the
 * plan, then runs the statement itself so the function gets its rows and goes on as it would.
 */
import pg from 'pg';
import type { Queryable } from '../src/db/pool.js';

export type StatementPlan = {
  statement: string;
  params: unknown[];
  plan: string[];
  executionMs: number;
  /** A sequential scan of orders: a full read of the table, which only grows. */
  hasSeqScanOnOrders: boolean;
};

export type ShapePlans = { shape: string; statements: StatementPlan[] };

export type ListShape = {
  name: string;
  /** Calls the repository with `db` as the connection, exactly as the service would. */
  run: (db: Queryable) => Promise<unknown>;
};

/** Runs each shape in turn on one connection of `pool` and returns the plans of its statements. */
export async function explainShapes(
  pool: pg.Pool,
  shapes: readonly ListShape[],
): Promise<ShapePlans[]> {
  const client = await pool.connect();
  const statements: StatementPlan[] = [];
  const run: (
    text: string,
    values?: unknown[],
  ) => Promise<pg.QueryResult<Record<string, unknown>>> = client.query.bind(client);
  const explaining = async (query: unknown, values?: unknown) => {
    const { text, params } = statementOf(query, values);
    const { rows } = await run(`explain (analyze, buffers) ${text}`, params);
    const plan = rows.map((row) => String(row['QUERY PLAN']));
    statements.push({
      statement: text.replace(/\s+/g, ' ').trim(),
      params,
      plan,
      executionMs: Number(
        /Execution Time: ([\d.]+) ms/.exec(
          plan.find((line) => line.startsWith('Execution')) ?? '',
        )?.[1] ?? NaN,
      ),
      hasSeqScanOnOrders: plan.some((line) => /Seq Scan on orders\b/.test(line)),
    });
    return run(text, params);
  };
  Object.assign(client, { query: explaining });
  const results: ShapePlans[] = [];
  try {
    for (const shape of shapes) {
      statements.length = 0;
      await shape.run(client);
      results.push({ shape: shape.name, statements: [...statements] });
    }
  } finally {
    // Its `query` is ours now: the connection must not go back to the pool.
    client.release(true);
  }
  return results;
}

/** The text and values of `query(text, values)` or `query({ text, values })`. */
function statementOf(query: unknown, values: unknown): { text: string; params: unknown[] } {
  if (typeof query === 'string')
    return { text: query, params: Array.isArray(values) ? values : [] };
  if (typeof query === 'object' && query !== null && 'text' in query) {
    const { text } = query;
    const given = 'values' in query ? query.values : values;
    if (typeof text === 'string') return { text, params: Array.isArray(given) ? given : [] };
  }
  throw new Error('explainShapes: a query the explaining connection does not understand');
}

export function printShapePlans(results: readonly ShapePlans[], log: (line: string) => void) {
  for (const { shape, statements } of results) {
    log(`\n── ${shape}`);
    for (const statement of statements) {
      log(`  ${statement.statement}`);
      log(`  params: ${JSON.stringify(statement.params)}`);
      for (const line of statement.plan) log(`    ${line}`);
      if (statement.hasSeqScanOnOrders) log('  !! Seq Scan on orders');
    }
  }
  log('\nSummary (execution time of each statement, EXPLAIN ANALYZE):');
  const width = Math.max(...results.map((result) => result.shape.length));
  for (const { shape, statements } of results) {
    const parts = statements.map(
      (statement) =>
        `${operationOf(statement.statement)} ${statement.executionMs.toFixed(1)} ms` +
        (statement.hasSeqScanOnOrders ? ' (!! Seq Scan on orders)' : ''),
    );
    log(`  ${shape.padEnd(width)}  ${parts.join(', ')}`);
  }
}

/** `page`, `count` or `items`: which of the list's statements this is, for the summary. */
function operationOf(statement: string): string {
  if (/^select count\(/i.test(statement)) return 'count';
  if (/from order_items/i.test(statement)) return 'items';
  return 'page';
}
