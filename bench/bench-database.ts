/**
 * The bench's PostgreSQL: BENCH_DATABASE_URL when set (a server where it may create databases),
 * otherwise an embedded one in the scratch directory; a fresh database per system under test.
 */
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { migrate } from '../src/db/migrate.js';
import type { OrderTargets } from './bench-load.js';

export type BenchDatabase = {
  adminUrl: string;
  /** `17.10 (embedded)`, `15.20`… */
  version: string;
  stop(): Promise<void>;
};

export const listUsers = 100; // users 1..100 each own 200 seeded orders
const ordersPerListUser = 200;

export async function startDatabase(scratch: string): Promise<BenchDatabase> {
  const given = process.env.BENCH_DATABASE_URL;
  const embedded =
    given === undefined
      ? await startEmbeddedPostgres({
          dataDir: path.join(scratch, 'pg'),
          database: 'postgres',
          persistent: false,
        })
      : undefined;
  const adminUrl = given ?? embedded?.connectionString ?? '';
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    const version =
      (await admin.query<{ v: string }>('select current_setting($1) as v', ['server_version']))
        .rows[0]?.v ?? '';
    await admin.end();
    return {
      adminUrl,
      version: `${version}${embedded ? ' (embedded)' : ''}`,
      stop: async () => {
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Migrates, then gives users 1..100 200 paid orders each (2 items), spread over the last days. */
export async function seedListUsers(databaseUrl: string): Promise<OrderTargets> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(pool);
    await pool.query(
      `insert into orders (user_id, status, total_amount, currency, shipping_address, payment_id,
         created_at, updated_at)
       select u, 'paid', 25.98, 'USD', $1::jsonb, 'pay_seed_' || u || '_' || n,
         now() - make_interval(mins => n), now() - make_interval(mins => n)
       from generate_series(1, $2::int) u, generate_series(1, $3::int) n`,
      [
        JSON.stringify({ street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' }),
        listUsers,
        ordersPerListUser,
      ],
    );
    await pool.query(
      `insert into order_items (order_id, product_id, quantity, price, created_at)
       select o.id, p, 1, 12.99, o.created_at from orders o, generate_series(1, 2) p`,
    );
    await pool.query('analyze');
    const { rows } = await pool.query<{ id: string; user_id: string }>(
      'select id::text, user_id::text from orders order by id',
    );
    return { orderIds: rows.map((r) => Number(r.id)), owners: rows.map((r) => Number(r.user_id)) };
  } finally {
    await pool.end();
  }
}
