import { existsSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, loadInvariantCheckConfig } from '../config.js';
import { connectionStringFromFields } from '../db/connection-string.js';
import { createPool } from '../db/pool.js';
import { checkInvariants, formatReport } from '../invariants/check-invariants.js';

// `npm run check:invariants [-- orderId…]`: peer-services.md's invariants over the database and
// the peers. Exit 0: no violations; 1: violations; 2: could not run (configuration, database).
if (existsSync('.env')) process.loadEnvFile('.env');

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

const config = (() => {
  try {
    return loadInvariantCheckConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.problems.join('\n'));
    throw error;
  }
})();
const args = orderIdsSchema.safeParse(process.argv.slice(2));
if (!args.success) fail('usage: check-invariants [orderId …] (positive whole numbers)');

const { database } = config;
const connectionString =
  database.kind === 'url' ? database.connectionString : connectionStringFromFields(database);

const pool = createPool({ connectionString, max: 2, applicationName: 'order-service-invariants' });
try {
  const report = await checkInvariants({
    db: pool,
    productServiceUrl: config.productServiceUrl,
    paymentServiceUrl: config.paymentServiceUrl,
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
