/**
 * `npm run bench:seed [-- --orders=N --users=N --first-user=N]`: migrates the database at
 * DATABASE_URL (or BENCH_DATABASE_URL) and adds 1,000,000 orders by default, with items and
 * status history, over 10,000 users and the last year (bench/seed-orders.ts). Every run adds
 * orders; it never deletes any.
 */
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { seedOrders } from './seed-orders.js';

const log = (line: string) => process.stdout.write(`${line}\n`);
const numberOption = (name: string): number | undefined => {
  const value = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number`);
  return Number(value);
};

const databaseUrl = process.env.DATABASE_URL ?? process.env.BENCH_DATABASE_URL;
if (databaseUrl === undefined) {
  process.stderr.write('Set DATABASE_URL (or BENCH_DATABASE_URL) to the database to seed.\n');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'bench-seed' });
try {
  await migrate(pool);
  const orders = numberOption('orders');
  const users = numberOption('users');
  const firstUserId = numberOption('first-user');
  log(`seeding ${new URL(databaseUrl).pathname.slice(1)}…`);
  const result = await seedOrders(pool, {
    ...(orders === undefined ? {} : { orders }),
    ...(users === undefined ? {} : { users }),
    ...(firstUserId === undefined ? {} : { firstUserId }),
    onProgress: log,
  });
  log(
    `seeded ${result.orders.toLocaleString('en')} orders (ids ${String(result.firstOrderId)}–` +
      `${String(result.lastOrderId)}), ${result.items.toLocaleString('en')} items, ` +
      `${result.historyEntries.toLocaleString('en')} history entries over ` +
      `${result.users.toLocaleString('en')} users from ${String(result.firstUserId)} in ` +
      `${result.seconds.toFixed(1)} s`,
  );
  log(
    `heavy users: ${result.heavyUsers.map((u) => `${String(u.userId)} (${u.orders.toLocaleString('en')} orders)`).join(', ')}`,
  );
} finally {
  await pool.end();
}
