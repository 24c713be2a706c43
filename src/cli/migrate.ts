import { existsSync } from 'node:fs';
import { ConfigError, loadMigrateConfig } from '../config.js';
import { connectionStringFromFields } from '../db/connection-string.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { EmbeddedPostgresError } from '../db/embedded-postgres-error.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';

// `npm run migrate`: what the service does at start, without starting it.
if (existsSync('.env')) process.loadEnvFile('.env');

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const config = (() => {
  try {
    return loadMigrateConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
})();
const { database } = config;
const embedded =
  database.kind === 'embedded'
    ? await startEmbeddedPostgres({
        dataDir: database.dataDir,
        database: 'orders',
        persistent: true,
      }).catch((error: unknown) => {
        if (!(error instanceof EmbeddedPostgresError)) throw error;
        fail(error.message);
      })
    : undefined;
const connectionString =
  database.kind === 'url'
    ? database.connectionString
    : database.kind === 'fields'
      ? connectionStringFromFields(database)
      : (embedded?.connectionString ?? '');
const pool = createPool({ connectionString, max: 2 });
try {
  const result = await migrate(pool, { lockWaitMs: config.migrationLockWaitMs });
  process.stdout.write(
    `migrations: ${result.applied.length} applied${result.applied.length > 0 ? ` (${result.applied.join(', ')})` : ''}, ${result.alreadyApplied} already applied\n`,
  );
} finally {
  await pool.end();
  await embedded?.stop();
}
