import { existsSync } from 'node:fs';
import { z } from 'zod';
import { connectionStringFromFields } from '../db/connection-string.js';
import { createPool } from '../db/pool.js';
import { checkInvariants, formatReport } from './check-invariants.js';

// `npm run check:invariants [-- orderId…]`: peer-services.md's invariants over the database and
// the peers. Exit 0: no violations; 1: violations; 2: could not run (configuration, database).
// Not loadConfig (src/config.ts): it wants the Notification URL too, JWT settings in production,
// and with no database set it means an embedded PostgreSQL — a check must read the real one.
if (existsSync('.env')) process.loadEnvFile('.env');

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const peerUrl = (fallback: string) =>
  optionalText.transform((value) => value ?? fallback).pipe(z.url({ protocol: /^https?$/ }));

const environmentSchema = z.object({
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DB_HOST: optionalText,
  DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DB_NAME: z.string().trim().min(1).default('orders'),
  DB_USER: z.string().trim().min(1).default('postgres'),
  DB_PASSWORD: z.string().optional(),
  // The sandbox's ports (sandbox/README.md), as `npm run sandbox` starts it.
  PRODUCT_SERVICE_URL: peerUrl('http://127.0.0.1:3001'),
  PAYMENT_SERVICE_URL: peerUrl('http://127.0.0.1:3002'),
});
const orderIdsSchema = z.array(
  z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .transform(Number),
);

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const parsed = environmentSchema.safeParse(process.env);
if (!parsed.success) {
  fail(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'));
}
const env = parsed.data;
const args = orderIdsSchema.safeParse(process.argv.slice(2));
if (!args.success) fail('usage: check-invariants [orderId …] (positive whole numbers)');

const connectionString =
  env.DATABASE_URL ??
  (env.DB_HOST === undefined
    ? fail(
        'Set DATABASE_URL, or DB_HOST (with DB_PORT, DB_NAME, DB_USER, DB_PASSWORD), to the Order Service database to check.',
      )
    : connectionStringFromFields({
        host: env.DB_HOST,
        port: env.DB_PORT,
        database: env.DB_NAME,
        user: env.DB_USER,
        password: env.DB_PASSWORD,
      }));

const pool = createPool({ connectionString, max: 2, applicationName: 'order-service-invariants' });
try {
  const report = await checkInvariants({
    db: pool,
    productServiceUrl: env.PRODUCT_SERVICE_URL,
    paymentServiceUrl: env.PAYMENT_SERVICE_URL,
    ...(args.data.length > 0 ? { orderIds: args.data } : {}),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.violations.length > 0 ? 1 : 0;
} catch (error) {
  // An unreachable database must not exit 1, which means "violations found".
  process.stderr.write(
    `could not run the check: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 2;
} finally {
  await pool.end();
}
