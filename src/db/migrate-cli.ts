import { existsSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { developmentJwtSecret } from '../http/dev-secret.js';
import { connectionStringFromFields } from './connection-string.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { EmbeddedPostgresError } from './embedded-postgres-error.js';
import { migrate } from './migrate.js';
import { createPool } from './pool.js';

// `npm run migrate`: what the service does at start, without starting it.
if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig(process.env, developmentJwtSecret);
const { database } = config;
const embedded =
  database.kind === 'embedded'
    ? await startEmbeddedPostgres({
        dataDir: database.dataDir,
        database: 'orders',
        persistent: true,
      }).catch((error: unknown) => {
        if (!(error instanceof EmbeddedPostgresError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
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
  const result = await migrate(pool);
  process.stdout.write(
    `migrations: ${result.applied.length} applied${result.applied.length > 0 ? ` (${result.applied.join(', ')})` : ''}, ${result.alreadyApplied} already applied\n`,
  );
} finally {
  await pool.end();
  await embedded?.stop();
}
