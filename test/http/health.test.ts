import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { placePaidOrder } from '../support/orders.js';
import { startTestService, useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const env = useTestService();

describe('GET /health', () => {
  it('answers 200 with status, version and uptime, without a token', async () => {
    const response = await env.api().get('/health');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ok', version: 'test' });
    expect(typeof response.body.uptime).toBe('number');
    expect(response.body.uptime).toBeGreaterThanOrEqual(0);
  });

  it('answers 200 on /health/live', async () => {
    const response = await env.api().get('/health/live');

    expect(response.status).toBe(200);
  });

  it('answers 200 on /health/ready while the database is up', async () => {
    const response = await env.api().get('/health/ready');

    expect(response.status).toBe(200);
  });

  it('stays ready while a peer is failing, and reports the peer in the body', async () => {
    await env.peers.fault({ operation: 'getProduct', mode: 'error' });
    const user = await newUser();
    await env.api(user.token).post('/api/orders', {
      items: [{ productId: 1, quantity: 1 }],
      shippingAddress: { street: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });

    const response = await env.api().get('/health/ready');
    await env.peers.clearFaults();

    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).toMatch(/product/i);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with the contract metrics', async () => {
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);
    await env.api(user.token).get(`/api/orders/${order.id}`);

    const response = await env.api().get('/metrics');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = response.text;
    for (const [name, type] of [
      ['http_requests_total', 'counter'],
      ['http_request_duration_seconds', 'histogram'],
      ['orders_created_total', 'counter'],
      ['orders_status_total', 'counter'],
      ['order_processing_duration_seconds', 'histogram'],
      ['external_service_requests_total', 'counter'],
      ['external_service_duration_seconds', 'histogram'],
      ['database_query_duration_seconds', 'histogram'],
      ['process_cpu_seconds_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}`);
    }
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="\/api\/orders\/:id",status_code="200"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{[^}]*method="GET"[^}]*route="\/api\/orders\/:id"[^}]*status_code="200"[^}]*\}/m,
    );
    expect(text).toMatch(/^orders_created_total [1-9]/m);
    expect(text).toMatch(/^orders_status_total\{status="paid"\} [1-9]/m);
    expect(text).toMatch(/^order_processing_duration_seconds_count\{outcome="[^"]+"\} [1-9]/m);
    expect(text).toMatch(
      /^external_service_requests_total\{(?=[^}]*service="[^"]+")(?=[^}]*operation="[^"]+")(?=[^}]*status="[^"]+")[^}]*\} [1-9]/m,
    );
    expect(text).toMatch(
      /^external_service_duration_seconds_count\{(?=[^}]*service=)(?=[^}]*operation=)[^}]*\} [1-9]/m,
    );
  });

  it('records database query durations by operation', async () => {
    const user = await newUser();
    await placePaidOrder(env, user);

    const response = await env.api().get('/metrics');

    expect(response.text).toMatch(
      /^database_query_duration_seconds_count\{operation="[^"]+"\} [1-9]/m,
    );
  });
});

describe('API description', () => {
  it('serves OpenAPI 3.1 with every contract path and method', async () => {
    const response = await env.api().get('/openapi.json');

    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\.1\./);
    const paths = response.body.paths as Record<string, Record<string, unknown>>;
    const methodsOf = (path: string) => Object.keys(paths[path] ?? {}).sort();
    expect(methodsOf('/api/orders')).toEqual(expect.arrayContaining(['get', 'post']));
    expect(methodsOf('/api/orders/{id}')).toContain('get');
    expect(methodsOf('/api/orders/{id}/history')).toContain('get');
    expect(methodsOf('/api/orders/{id}/status')).toContain('patch');
    expect(methodsOf('/api/orders/{id}/cancel')).toContain('post');
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) {
      expect(methodsOf(path)).toContain('get');
    }
  });
});

describe('readiness during shutdown', () => {
  it('answers 503 on /health/ready once a shutdown has begun', async () => {
    const stopping = await startTestService();
    let stopped: Promise<void> | undefined;
    // The request is on the wire when the shutdown begins: it reaches the handler afterwards.
    stopping.service.server.prependOnceListener('request', (req: IncomingMessage) => {
      if (req.url === '/health/ready') stopped = stopping.service.stop(500);
    });

    const response = await stopping.api().get('/health/ready');
    await stopped;
    await stopping.sandbox.close();
    await stopping.database.drop();

    expect(stopped).toBeDefined();
    expect(response.status).toBe(503);
  });

  it('refuses or answers 503 to a request sent after stop() was called', async () => {
    const stopping = await startTestService();
    const before = await stopping.api().get('/health/ready');

    const stopped = stopping.service.stop(500);
    const status = await stopping
      .api()
      .get('/health/ready')
      .then(
        (response) => response.status,
        () => 'refused' as const,
      );
    await stopped;
    await stopping.sandbox.close();
    await stopping.database.drop();

    expect(before.status).toBe(200);
    expect([503, 'refused']).toContain(status);
  });
});
