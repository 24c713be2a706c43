/**
 * The tracing entry point, loaded before the application so http, express and pg are patched
 * when first imported: `node --import ./dist/src/observability/instrument.js dist/src/main.js`.
 * It imports nothing of the application but tracing and the package version.
 */
import { existsSync } from 'node:fs';
import { packageVersion } from '../package-version.js';
import { startTracing } from './tracing.js';

// main.ts reads .env too; reading it here first lets OTEL_* and JAEGER_* live there as well.
if (existsSync('.env')) process.loadEnvFile('.env');

startTracing({ env: process.env, serviceVersion: packageVersion() });
