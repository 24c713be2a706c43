import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/start-sandbox.js';
import type { Sandbox } from '../../sandbox/start-sandbox.js';
import { developmentJwtSecret } from '../../src/dev-secret.js';
import type { RunningService } from '../../src/service.js';
import { startService } from '../../src/service.js';
import type { HttpResponse } from '../support/http-client.js';
import { apiAs, request } from '../support/http-client.js';
import { problemJson } from '../support/orders.js';
import type { SandboxClient } from '../support/sandbox-client.js';
import { sandboxClient } from '../support/sandbox-client.js';
import type { ServiceProcess } from '../support/service-process.js';
import { serviceEnv, startServiceProcess } from '../support/service-process.js';
import type { TestDatabase } from '../support/test-database.js';
import { createTestDatabase } from '../support/test-database.js';
import { orderBody, testServiceOptions, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';
import type { EmbeddedDatabase, EmbeddedOptions } from '../../src/db/embedded-postgres.js';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { findFreePort } from '../../src/free-port.js';

// OWASP API8:2023 Security Misconfiguration: failures that answer with internals, probes that
// lie, headers that advertise the stack or open CORS, and a production start on a known secret.

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Bounded, so a port number never matches by chance inside a hex trace id.
const word = (text: string) => new RegExp(`(?<![0-9a-z])${escape(text)}(?![0-9a-z])`, 'i');

/** What an error body must never carry: driver messages, SQL, stack frames, paths, hosts. */
function leaksIn(text: string, extra: readonly string[] = []): string[] {
  const patterns = [
    /ECONN|EPIPE|ETIMEDOUT|ENOTFOUND/,
    /127\.0\.0\.1|localhost|::1|0\.0\.0\.0/i,
    word(hostname()),
    /\bat (?:async )?[\w$.<>]+ \(|\bat \/|file:\/\//, // stack frames
    /\.(?:[cm]?[jt]s)\b|node_modules|\/src\/|\/work\//, // source files and paths
    /\b(?:select|insert into|update \w+ set|delete from)\b/i, // SQL
    /postgres|\bpg\b|sql|relation|column|syntax/i,
    /terminat|administrator|connection|shutting down|refused/i, // driver messages
    /Error\b|undefined|null\b/, // a serialised exception or a raw message
    /<!doctype|<html|<h1>|Bad Gateway/i, // a peer's body passed through
    ...extra.map(word),
  ];
  return patterns.filter((pattern) => pattern.test(text)).map(String);
}

const problemKeys = ['type', 'title', 'status', 'detail', 'traceId', 'productIds', 'orderId'];

/** A 5xx that tells the client nothing about our internals; `[]` when clean. */
function complaintsAbout(response: HttpResponse, extra: readonly string[] = []): string[] {
  const complaints = leaksIn(response.text, extra);
  if (!problemJson.test(response.headers.get('content-type') ?? ''))
    complaints.push('not problem+json');
  if (response.headers.get('x-powered-by') !== null) complaints.push('X-Powered-By');
  const body: unknown = response.body;
  if (typeof body !== 'object' || body === null) return [...complaints, 'no JSON object'];
  const unexpected = Object.keys(body).filter((key) => !problemKeys.includes(key));
  if (unexpected.length > 0) complaints.push(`unexpected keys ${unexpected.join(',')}`);
  if (!('status' in body) || body.status !== response.status) complaints.push('status mismatch');
  return complaints;
}

describe('PostgreSQL stopped under a running service, then started again', () => {
  // Its own embedded PostgreSQL, so stopping it disturbs no other test file.
  let dataRoot: string;
  let postgres: EmbeddedDatabase;
  let postgresOptions: EmbeddedOptions;
  let postgresPort: number;
  let sandbox: Sandbox;
  let peers: SandboxClient;
  let service: RunningService;

  beforeAll(async () => {
    dataRoot = await mkdtemp(path.join(tmpdir(), 'order-service-api8-pg-'));
    // As root the server runs as the postgres user, which must be able to enter the directory.
    await chmod(dataRoot, 0o755);
    postgresPort = await findFreePort();
    // The same port on the restart below: the service's pool keeps its connection string.
    postgresOptions = {
      dataDir: path.join(dataRoot, 'data'),
      database: 'postgres',
      persistent: true,
      port: postgresPort,
    };
    postgres = await startEmbeddedPostgres(postgresOptions);
    sandbox = await startSandbox();
    peers = sandboxClient(sandbox);
    service = await startService(...testServiceOptions(postgres.connectionString, sandbox));
  }, 120_000);

  afterAll(async () => {
    await service.stop(1000);
    await sandbox.close();
    await postgres.stop();
    await rm(dataRoot, { recursive: true, force: true });
  }, 60_000);

  const placeOrder = async (token: string) => {
    const product = await peers.createProduct({ price: '5.00', stock: 1000 });
    return apiAs(service.url, token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 1 }]),
    );
  };

  it('answers clean problem+json and 503 readiness while it is away, and serves again once it is back, without a restart', async () => {
    const user = await newUser();
    const api = apiAs(service.url, user.token);
    const placed = await placeOrder(user.token);
    expect(placed.status).toBe(201);
    const orderPath = `/api/orders/${String(placed.body.id)}`;
    const extraLeaks = [String(postgresPort), dataRoot];

    // Requests in flight while PostgreSQL shuts down (fast shutdown: sessions are terminated):
    // three clients, each sending the next request as soon as the last one is answered.
    const during: HttpResponse[] = [];
    let stopped = false;
    const calls = [
      () => api.get('/api/orders'),
      () => api.get(orderPath),
      () => api.get(`${orderPath}/history`),
      () => placeOrder(user.token),
    ];
    const client = async (offset: number) => {
      for (let next = offset; !stopped; next += 1) {
        const call = calls[next % calls.length];
        if (call === undefined) return;
        during.push(await call());
      }
    };
    const clients = [client(0), client(1), client(3)];
    const served = () => during.filter((response) => response.status < 300).length;
    await expect.poll(served, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
    await postgres.stop();
    stopped = true;
    await Promise.all(clients);

    const after = await Promise.all([
      api.get('/api/orders'),
      api.get(orderPath),
      api.get(`${orderPath}/history`),
      api.post(`${orderPath}/cancel`, {}),
      placeOrder(user.token),
    ]);
    const readyWhileAway = await apiAs(service.url).get('/health/ready');
    const liveWhileAway = await apiAs(service.url).get('/health/live');

    const unclean = [...during, ...after]
      .filter((response) => response.status >= 500)
      .map((response) => ({
        status: response.status,
        text: response.text,
        complaints: complaintsAbout(response, extraLeaks),
      }))
      .filter((failure) => failure.complaints.length > 0);
    expect(unclean).toEqual([]);
    // Either served before the database went, or refused with a 5xx: never a misleading 4xx.
    expect(during.filter((response) => response.status >= 300 && response.status < 500)).toEqual(
      [],
    );
    // Once it is gone: 503 database-unavailable with Retry-After, the same on every route.
    expect(
      after.map((response) => [
        response.status,
        response.body?.type,
        response.headers.get('retry-after'),
      ]),
    ).toEqual(after.map(() => [503, '/problems/database-unavailable', '5']));
    expect(readyWhileAway.status).toBe(503);
    expect(readyWhileAway.body).toMatchObject({
      status: 'unavailable',
      checks: { database: 'down' },
    });
    expect(leaksIn(readyWhileAway.text, extraLeaks)).toEqual([]);
    // Liveness stays 200: restarting the process would not bring the database back.
    expect(liveWhileAway.status).toBe(200);

    postgres = await startEmbeddedPostgres(postgresOptions);

    await expect
      .poll(async () => (await apiAs(service.url).get('/health/ready')).status, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(200);
    const read = await api.get(orderPath);
    const again = await placeOrder(user.token);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: placed.body.id, userId: user.id });
    expect(again.status).toBe(201);
  }, 120_000);
});

describe('a peer answering garbage', () => {
  const env = useTestService();

  it.each([['getProduct' as const], ['decreaseStock' as const], ['charge' as const]])(
    'never passes a garbage %s answer through, nor answers 500',
    async (operation) => {
      const user = await newUser();
      const product = await env.peers.createProduct({ price: '3.00', stock: 10 });
      await env.peers.fault({ operation, mode: 'garbage', status: 200 });
      const peerPorts = [env.sandbox.productUrl, env.sandbox.paymentUrl].map(
        (url) => new URL(url).port,
      );

      const response = await env
        .api(user.token)
        .post('/api/orders', orderBody([{ productId: product.id, quantity: 1 }]));

      expect(response.status).not.toBe(500);
      expect(response.text).not.toMatch(/<!doctype|<h1>|Bad Gateway/i);
      if (response.status >= 400) expect(complaintsAbout(response, peerPorts)).toEqual([]);
    },
  );
});

describe('headers', () => {
  const env = useTestService({ corsOrigins: ['https://shop.example', 'https://admin.example'] });

  it('sends no X-Powered-By on any kind of response', async () => {
    const user = await newUser();
    const api = env.api(user.token);

    const responses = await Promise.all([
      env.api().get('/health'),
      env.api().get('/health/ready'),
      env.api().get('/metrics'),
      env.api().get('/openapi.json'),
      env.api().get('/docs'),
      env.api().get('/no-such-page'),
      env.api().get('/api/orders'),
      api.get('/api/orders'),
      api.get('/api/orders/999999999'),
      api.get('/api/orders?limit=abc'),
      request(env.url, 'POST', '/api/orders', { token: user.token, rawBody: '{"items": [' }),
      request(env.url, 'POST', '/api/orders', {
        token: user.token,
        rawBody: JSON.stringify({ pad: 'x'.repeat(200_000) }),
      }),
      request(env.url, 'OPTIONS', '/api/orders', {
        headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST' },
      }),
      request(env.url, 'DELETE', '/api/orders/1', { token: user.token }),
    ]);

    expect(responses.map((response) => response.status)).toEqual(
      expect.arrayContaining([200, 204, 400, 401, 404, 413]),
    );
    for (const response of responses) {
      expect(response.headers.get('x-powered-by'), String(response.status)).toBeNull();
    }
  });
});

describe('CORS_ORIGINS and JWT_SECRET in a real process', () => {
  let database: TestDatabase;
  let sandbox: Sandbox;
  const running: ServiceProcess[] = [];
  const start = (extra: Record<string, string>) => {
    const service = startServiceProcess(serviceEnv(database.url, sandbox, extra));
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.kill('SIGKILL')));
    await sandbox.close();
    await database.drop();
  });

  it('allows only the listed origins, for simple requests and preflights', async () => {
    const service = start({ CORS_ORIGINS: 'https://shop.example, https://admin.example' });
    const url = await service.ready();
    const simple = (origin: string) =>
      request(url, 'GET', '/health', { headers: { Origin: origin } });
    const preflight = (origin: string) =>
      request(url, 'OPTIONS', '/api/orders', {
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,idempotency-key',
        },
      });
    const allowedOrigin = async (response: Promise<HttpResponse>) =>
      (await response).headers.get('access-control-allow-origin');

    const listed = await Promise.all([
      allowedOrigin(simple('https://shop.example')),
      allowedOrigin(simple('https://admin.example')),
      allowedOrigin(preflight('https://shop.example')),
      allowedOrigin(preflight('https://admin.example')),
    ]);
    const unlisted = await Promise.all(
      [
        'https://evil.example',
        'https://shop.example.evil.example',
        'http://shop.example',
        'https://shop.example:8443',
        'null',
      ].flatMap((origin) => [allowedOrigin(simple(origin)), allowedOrigin(preflight(origin))]),
    );
    const preflightListed = await preflight('https://shop.example');

    expect(listed).toEqual([
      'https://shop.example',
      'https://admin.example',
      'https://shop.example',
      'https://admin.example',
    ]);
    expect(unlisted.every((value) => value === null)).toBe(true);
    expect(preflightListed.status).toBeLessThan(300);
    expect(preflightListed.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflightListed.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it.each([
    ['the public development secret', developmentJwtSecret],
    ['a 31-character secret', 'x'.repeat(31)],
  ])('refuses to start in production with %s, naming JWT_SECRET', async (_name, secret) => {
    const service = start({ NODE_ENV: 'production', JWT_SECRET: secret });

    const code = await Promise.race([
      service.exited,
      service.ready().then(
        () => 'listening',
        () => 'exited',
      ),
    ]);

    expect(code).not.toBe('listening');
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(service.output()).toMatch(/JWT_SECRET/);
    expect(service.output()).not.toContain(secret);
  });

  it('starts in production with a 32-character secret', async () => {
    const service = start({ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(32) });

    const url = await service.ready();

    expect((await request(url, 'GET', '/health')).status).toBe(200);
  });
});
