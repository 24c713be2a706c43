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

// The one reader of process.env besides config.ts (issue 14): this runs before the application
// is loaded, so it cannot wait for loadConfig. It reads only what the OpenTelemetry SDK reads
// (the standard OTEL_* variables) and the seed's JAEGER_AGENT_HOST (tracing.ts,
// tracingExportFrom); config.ts does not parse these, so there is one parser for each variable.
startTracing({ env: process.env, serviceVersion: packageVersion() });
