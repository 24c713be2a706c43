import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { apiAs } from '../support/http-client.js';
import { sandboxClient } from '../support/sandbox-client.js';
import type { ServiceProcess } from '../support/service-process.js';
import { serviceEnv, startServiceProcess } from '../support/service-process.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';
import { orderBody } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

/**
 * Trace context as `npm start` runs it: tracing loaded with `--import`, no exporter configured.
 * Nothing is exported, yet the caller's trace is continued (order-api.md: problem bodies carry
 * the trace id; peer-services.md: every call carries `traceparent`) and log lines name it. The
 * in-process tests record spans, so they cover the other path; this one covers the default.
 */

let database: TestDatabase;
let sandbox: Sandbox;
let logDir: string;
let service: ServiceProcess | undefined;
let url = '';
beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startSandbox();
  logDir = await mkdtemp(path.join(tmpdir(), 'order-service-trace-logs-'));
});
afterAll(async () => {
  service?.child.kill('SIGTERM');
  await service?.exited;
  await sandbox.close();
  await database.drop();
  await rm(logDir, { recursive: true, force: true });
});

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
const traceIdOf = (traceparent: unknown) =>
  typeof traceparent === 'string'
    ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-0[01]$/.exec(traceparent)?.[1]
    : undefined;

/** Starts the service on first use (its readiness is awaited inside a test). */
async function started(): Promise<string> {
  if (service === undefined) {
    service = startServiceProcess({
      ...serviceEnv(database.url, sandbox, { LOG_DIR: logDir }),
      NODE_ENV: 'production',
    });
    url = await service.ready();
  }
  return url;
}

async function placeOne(headers: Record<string, string>) {
  await started();
  const user = await newUser();
  const peers = sandboxClient(sandbox);
  const product = await peers.createProduct({ price: '1.00', stock: 2 });
  const placed = await apiAs(url, user.token).post(
    '/api/orders',
    orderBody([{ productId: product.id, quantity: 1 }]),
    headers,
  );
  expect(placed.status).toBe(201);
  const calls = [
    ...(await peers.requests('decreaseStock', placed.body.id)),
    ...(await peers.requests('charge', placed.body.id)),
  ] as { traceparent?: string }[];
  expect(calls).toHaveLength(2);
  return calls.map((call) => traceIdOf(call.traceparent));
}

/** The access log line of the request with this X-Request-Id, once written. */
async function requestLogLine(requestId: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await expect
    .poll(async () => {
      const lines = (await readFile(path.join(logDir, 'all.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.includes(`"requestId":"${requestId}"`))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      found = lines.find((line) => line.message === 'request');
      return found !== undefined;
    })
    .toBe(true);
  return found ?? {};
}

describe('trace context with no exporter (npm start)', () => {
  it("continues the caller's trace in every peer call and in the request's log line", async () => {
    const peerTraceIds = await placeOne({ traceparent: incoming, 'X-Request-Id': 'traced-1' });

    expect(peerTraceIds).toEqual([traceId, traceId]);
    expect((await requestLogLine('traced-1')).traceId).toBe(traceId);
  });

  it('starts one trace per request when the caller sends none, shared by its peer calls', async () => {
    const peerTraceIds = await placeOne({ 'X-Request-Id': 'untraced-1' });

    const logged = (await requestLogLine('untraced-1')).traceId;
    expect(logged).toMatch(/^[0-9a-f]{32}$/);
    expect(logged).not.toBe('0'.repeat(32));
    expect(peerTraceIds).toEqual([logged, logged]);
  });

  it('puts the trace id in problem bodies', async () => {
    const user = await newUser();

    const response = await apiAs(await started(), user.token).get('/api/orders/abc', {
      traceparent: incoming,
    });

    expect(response.status).toBe(400);
    expect(response.body.traceId).toBe(traceId);
  });
});
