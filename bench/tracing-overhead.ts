/**
 * What tracing costs when nothing is exported: sequential GET /api/orders/:id against the service
 * in-process, with the SDK making spans (http, express, pg) but exporting none, against the same
 * with OTEL_SDK_DISABLED=true. The SDK must load before express and pg, so each variant runs in
 * its own process, started as `npm start` starts the service; the variants alternate.
 *
 *   npx tsx bench/tracing-overhead.ts [requests=2000] [rounds=3]
 *
 * Uses DATABASE_URL when set, otherwise an embedded PostgreSQL in a temporary directory.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { startSandbox } from '../sandbox/start-sandbox.js';
import { loadConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.js';
import { developmentJwtSecret } from '../src/dev-secret.js';
import { createLogger } from '../src/observability/logger.js';
import { describeTracing } from '../src/observability/tracing.js';
import { startService } from '../src/service.js';
import { median } from './bench-stats.js';

const secret = 'bench-secret-for-the-tracing-overhead-0123456789';
const warmupRequests = 300;

type Variant = { name: string; env: Record<string, string> };
const variants: Variant[] = [
  { name: 'OTEL_SDK_DISABLED=true', env: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'SDK, no exporter', env: {} },
];

if (process.argv[2] === '--child') {
  await measure(Number(process.argv[3]));
} else {
  await compare(Number(process.argv[2] ?? 2000), Number(process.argv[3] ?? 3));
}

async function compare(requests: number, rounds: number): Promise<void> {
  const given = process.env.DATABASE_URL;
  const scratch = given === undefined ? await mkdtemp(path.join(tmpdir(), 'tracing-bench-')) : '';
  if (scratch !== '') await chmod(scratch, 0o755);
  const embedded =
    given === undefined
      ? await startEmbeddedPostgres({
          dataDir: path.join(scratch, 'data'),
          database: 'postgres',
          persistent: false,
        })
      : undefined;
  const databaseUrl = given ?? embedded?.connectionString ?? '';
  const results = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const variant of variants) {
        const { micros, tracing } = await runChild(variant, databaseUrl, requests);
        results.get(variant.name)?.push(micros);
        process.stdout.write(
          `round ${round}  ${variant.name.padEnd(24)} ${micros.toFixed(0)} µs  (${tracing})\n`,
        );
      }
    }
  } finally {
    await embedded?.stop();
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  }
  const medians = variants.map((variant) => median(results.get(variant.name) ?? []));
  const [disabled = 0, enabled = 0] = medians;
  process.stdout.write(
    `\n${requests} sequential GET /api/orders/:id, median of ${rounds} rounds:\n` +
      variants
        .map(
          (variant, i) =>
            `  ${variant.name.padEnd(24)} ${(medians[i] ?? 0).toFixed(0)} µs/request\n`,
        )
        .join('') +
      `  ratio ${(enabled / disabled).toFixed(2)}×, +${(enabled - disabled).toFixed(0)} µs/request\n`,
  );
}

function runChild(
  variant: Variant,
  databaseUrl: string,
  requests: number,
): Promise<{ micros: number; tracing: string }> {
  const args = ['--import', 'tsx', '--import', './src/observability/instrument.ts'];
  const child = spawn(
    process.execPath,
    [...args, 'bench/tracing-overhead.ts', '--child', String(requests)],
    {
      // Only what the variant says: no exporter, no .env-provided OTEL_* leaking in.
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, ...variant.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const parsed: unknown = JSON.parse(output.trim().split('\n').at(-1) ?? 'null');
      if (code === 0 && typeof parsed === 'object' && parsed !== null && 'micros' in parsed) {
        const tracing = 'tracing' in parsed ? String(parsed.tracing) : '';
        resolve({ micros: Number(parsed.micros), tracing });
      } else {
        reject(new Error(`${variant.name}: exited ${String(code)}\n${output}`));
      }
    });
  });
}

async function measure(requests: number): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? '';
  const sandbox = await startSandbox();
  const service = await startService(
    loadConfig(
      {
        NODE_ENV: 'test',
        PORT: '0',
        DATABASE_URL: databaseUrl,
        PRODUCT_SERVICE_URL: sandbox.productUrl,
        PAYMENT_SERVICE_URL: sandbox.paymentUrl,
        NOTIFICATION_SERVICE_URL: sandbox.notificationUrl,
        JWT_SECRET: secret,
      },
      developmentJwtSecret,
    ),
    {
      connectionString: databaseUrl,
      peers: {
        productServiceUrl: sandbox.productUrl,
        paymentServiceUrl: sandbox.paymentUrl,
        notificationServiceUrl: sandbox.notificationUrl,
      },
      host: '127.0.0.1',
      version: 'bench',
      logger: createLogger({ level: 'error', logDir: undefined, console: false }),
    },
  );
  const token = await new SignJWT({ role: 'user' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('4242')
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const product = await postJson(`${sandbox.productUrl}/__sandbox/products`, {
    price: '1.00',
    stock: 10,
  });
  const order = await postJson(
    `${service.url}/api/orders`,
    {
      items: [{ productId: product.id, quantity: 1 }],
      shippingAddress: { name: 'B', street: '1 St', city: 'C', postalCode: '1', country: 'DE' },
      paymentMethod: 'pm_card_visa',
    },
    headers,
  );
  const getOrder = async () => {
    const response = await fetch(`${service.url}/api/orders/${order.id}`, { headers });
    await response.text();
    if (response.status !== 200) throw new Error(`GET answered ${response.status}`);
  };
  for (let i = 0; i < warmupRequests; i += 1) await getOrder();
  const started = performance.now();
  for (let i = 0; i < requests; i += 1) await getOrder();
  const micros = ((performance.now() - started) * 1000) / requests;
  await service.stop(1000);
  await sandbox.close();
  process.stdout.write(`${JSON.stringify({ micros, tracing: describeTracing() })}\n`);
  process.exit(0);
}

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<{ id: number }> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const parsed: unknown = await response.json();
  if (
    response.status >= 300 ||
    typeof parsed !== 'object' ||
    parsed === null ||
    !('id' in parsed)
  ) {
    throw new Error(`POST ${url} answered ${response.status}`);
  }
  return { id: Number(parsed.id) };
}
