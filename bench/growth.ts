/**
 * `npm run bench -- --growth`: does the service keep its speed as the orders table grows? Runs
 * get, list and create on the bench's usual small table (20,000 orders), seeds 1,000,000 more
 * into the same database (bench/seed-orders.ts), runs them again (get on seeded orders, list for
 * the same 200-order users, so only the table grew), prints the change, then the lists of big
 * accounts (~25,000 orders) by page and by cursor, then the plans of every list query shape at that size (list-shapes.ts).
 */
import pg from 'pg';
import { createPool } from '../src/db/pool.js';
import { orderId } from '../src/domain/ids.js';
import { encodeOrderCursor } from '../src/http/order-cursor.js';
import type { ExpectedRequest, Load, LoadResult, OrderTargets } from './bench-load.js';
import {
  createRequest,
  describeUnexpected,
  getRequest,
  listRequest,
  authHeaders,
  runLoad,
} from './bench-load.js';
import { freshDatabase, listUsers, seedListUsers } from './bench-database.js';
import {
  createProducts,
  freePort,
  log,
  rssMb,
  spawnService,
  startSandboxProcess,
  stopChild,
  systemEnv,
  waitForHttp,
} from './bench-processes.js';
import { explainShapes, printShapePlans } from './list-plans.js';
import type { ShapePlans } from './list-plans.js';
import { listShapes } from './list-shapes.js';
import { seedOrders } from './seed-orders.js';
import type { SeedResult } from './seed-orders.js';

export type GrowthOptions = {
  adminUrl: string;
  scratch: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
};

type Scenario = 'get' | 'list' | 'create';
type Measured = LoadResult & { peakRssMb: number };
/** Lists of the users with ~25,000 orders, at 1M only: what a big account's list costs. */
type HeavyListRow = { mode: 'page' | 'cursor'; measured: Measured };
type GrowthRow = {
  scenario: Scenario;
  empty: Measured;
  seeded: Measured;
  changePercent: number;
  isWithin20Percent: boolean;
};

const scenarios: readonly Scenario[] = ['get', 'list', 'create'];
const seededOrders = 1_000_000;
// After the small seed's users (1..100) and create's (1001..3000).
const seededUsers = { first: 10_001, count: 10_000 };
const createUsers = { first: 1001, count: 2000 };
const getSample = 10_000;

export async function runGrowth(options: GrowthOptions): Promise<{
  seed: SeedResult;
  rows: GrowthRow[];
  heavyLists: HeavyListRow[];
  plans: ShapePlans[];
  failed: boolean;
}> {
  log('\n== service, growth');
  const databaseUrl = await freshDatabase(options.adminUrl, 'bench_growth');
  const small = await seedListUsers(databaseUrl);
  const sandbox = await startSandboxProcess(options.scratch);
  const productIds = await createProducts(sandbox.productUrl);
  const port = await freePort();
  const server = spawnService(systemEnv(port, databaseUrl, sandbox), options.scratch);
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const create = createRequest(productIds, createUsers);
  const measure = async (label: string, scenario: Scenario, load: Load): Promise<Measured> => {
    await runLoad(baseUrl, load, options.warmupSeconds, { connections: options.connections });
    const result = await runLoad(baseUrl, load, options.durationSeconds, {
      connections: options.connections,
    });
    const measured = { ...result, peakRssMb: await rssMb(server.pid ?? 0) };
    log(
      `  ${label.padEnd(6)} ${scenario.padEnd(7)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  ` +
        `p50 ${String(result.p50Ms)} ms  p99 ${String(result.p99Ms)} ms${describeUnexpected(result)}`,
    );
    return measured;
  };
  const seedPool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const empty = new Map<Scenario, Measured>();
  const seeded = new Map<Scenario, Measured>();
  const heavyLists: HeavyListRow[] = [];
  let seed: SeedResult;
  try {
    await waitForHttp(`${baseUrl}/health/ready`, server);
    const emptyLoads: Record<Scenario, Load> = {
      get: { setup: getRequest(small) },
      list: { setup: listRequest(Array.from({ length: listUsers }, (_, i) => i + 1)) },
      create: { setup: create },
    };
    for (const scenario of scenarios) {
      empty.set(scenario, await measure('empty', scenario, emptyLoads[scenario]));
    }

    log(`  seeding ${seededOrders.toLocaleString('en')} orders…`);
    seed = await seedOrders(seedPool, {
      orders: seededOrders,
      users: seededUsers.count,
      firstUserId: seededUsers.first,
      onProgress: (line) => {
        log(`    ${line}`);
      },
    });
    const targets = await sampleOrders(seedPool, seed, getSample);
    // The users with about 25,000 orders; the one with 200,000 is for the deep page's plan.
    const heavy = seed.heavyUsers.slice(1).map((user) => user.userId);
    log(
      `  seeded in ${seed.seconds.toFixed(0)} s; get reads ${getSample.toLocaleString('en')} ` +
        `seeded orders, list the same users as before (200 orders each) in a table of 1M`,
    );
    // Like for like: only the table grew; the users listed are the same as on the small table.
    const seededLoads: Record<Scenario, Load> = {
      get: { setup: getRequest(targets) },
      list: emptyLoads.list,
      create: { setup: create },
    };
    for (const scenario of scenarios) {
      seeded.set(scenario, await measure('1M', scenario, seededLoads[scenario]));
    }
    log(`  big accounts: users ${heavy.join(', ')} (~25,000 orders each)`);
    heavyLists.push({
      mode: 'page',
      measured: await measure('1M', 'list', { setup: listRequest(heavy) }),
    });
    heavyLists.push({
      mode: 'cursor',
      measured: await measure('1M', 'list', {
        setup: cursorListRequest(await cursorsOf(seedPool, heavy)),
      }),
    });
  } finally {
    await stopChild(server);
    await stopChild(sandbox.child);
    await seedPool.end();
  }

  // The service's own pool settings (statement_timeout included) for the plans.
  const pool = createPool({ connectionString: databaseUrl, max: 1, applicationName: 'bench' });
  let plans: ShapePlans[];
  try {
    log(`\nPlans of the list queries at ${seededOrders.toLocaleString('en')} orders:`);
    plans = await explainShapes(pool, listShapes(seed));
    printShapePlans(plans, log);
  } finally {
    await pool.end();
  }

  const rows = scenarios.map((scenario): GrowthRow => {
    const before = empty.get(scenario);
    const after = seeded.get(scenario);
    if (before === undefined || after === undefined) throw new Error(`${scenario} not measured`);
    const changePercent = ((after.reqPerSec - before.reqPerSec) / before.reqPerSec) * 100;
    return {
      scenario,
      empty: before,
      seeded: after,
      changePercent,
      isWithin20Percent: changePercent >= -20,
    };
  });
  printGrowthTable(rows);
  log('');
  log('Lists of big accounts at 1M (not a growth target: the account grew, not only the table):');
  for (const { mode, measured } of heavyLists) {
    log(
      `  ${mode === 'page' ? 'page mode (with count)' : 'cursor mode (no count)'}: ` +
        `${measured.reqPerSec.toFixed(0)} req/s, p99 ${String(measured.p99Ms)} ms`,
    );
  }
  const seqScans = plans.filter((shape) => shape.statements.some((s) => s.hasSeqScanOnOrders));
  if (seqScans.length > 0) {
    log(`\n!! Seq Scan on orders in: ${seqScans.map((shape) => shape.shape).join('; ')}`);
  }
  const failed = rows.some((row) =>
    [row.empty, row.seeded].some((m) => Object.keys(m.unexpected).length > 0 || m.errors > 0),
  );
  return { seed, rows, heavyLists, plans, failed };
}

/**
 * For each user, a cursor into the middle of their orders (the position after their 10,000th
 * newest), in the form GET /api/orders hands out (src/http/order-cursor.ts).
 */
async function cursorsOf(
  pool: pg.Pool,
  users: readonly number[],
): Promise<{ userId: number; after: string }[]> {
  const cursors: { userId: number; after: string }[] = [];
  for (const userId of users) {
    const { rows } = await pool.query<{ at: string; id: string }>(
      `select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
         id::text
       from orders where user_id = $1 order by created_at desc, id desc offset 10000 limit 1`,
      [userId],
    );
    const row = rows[0];
    if (row !== undefined)
      cursors.push({
        userId,
        after: encodeOrderCursor({ createdAt: row.at, id: orderId(Number(row.id)) }),
      });
  }
  return cursors;
}

const cursorListRequest =
  (cursors: readonly { userId: number; after: string }[]) => (): ExpectedRequest => {
    const cursor = cursors[Math.floor(Math.random() * cursors.length)] ?? cursors[0];
    return {
      method: 'GET',
      path: `/api/orders?limit=20&after=${cursor?.after ?? ''}`,
      headers: authHeaders(cursor?.userId ?? 1),
      expect: 200,
    };
  };

/** `count` seeded orders at random, each with its owner (whose token may read it). */
async function sampleOrders(pool: pg.Pool, seed: SeedResult, count: number): Promise<OrderTargets> {
  const span = seed.lastOrderId - seed.firstOrderId + 1;
  const ids = Array.from(
    { length: count },
    () => seed.firstOrderId + Math.floor(Math.random() * span),
  );
  const { rows } = await pool.query<{ id: string; user_id: string }>(
    'select id::text, user_id::text from orders where id = any($1::bigint[])',
    [ids],
  );
  return { orderIds: rows.map((r) => Number(r.id)), owners: rows.map((r) => Number(r.user_id)) };
}

function printGrowthTable(rows: readonly GrowthRow[]): void {
  const header = [
    'scenario',
    'empty req/s',
    '1M req/s',
    'change',
    'within 20 %',
    'p99 empty ms',
    'p99 1M ms',
    '!',
  ];
  const body = rows.map((row) => [
    row.scenario,
    row.empty.reqPerSec.toFixed(0),
    row.seeded.reqPerSec.toFixed(0),
    `${row.changePercent >= 0 ? '+' : ''}${row.changePercent.toFixed(1)} %`,
    row.isWithin20Percent ? 'yes' : 'NO',
    String(row.empty.p99Ms),
    String(row.seeded.p99Ms),
    [describeUnexpected(row.empty), describeUnexpected(row.seeded)]
      .map((text) => text.replace(/^ {2}! /, ''))
      .filter((text) => text !== '')
      .join('; '),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)),
  );
  const numeric = (i: number) => i >= 1 && i <= 6 && i !== 4;
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (numeric(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  log('');
  log('Growth: "empty" is the bench\'s usual table (users 1–100 × 200 orders; list reads one of');
  log('them), "1M" the same database after seeding 1,000,000 orders (get reads seeded orders,');
  log('list the same users). Within 20 %: req/s fell by at most 20 %.');
  log('');
  log(line(header));
  log(
    `|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const cells of body) log(line(cells));
}
