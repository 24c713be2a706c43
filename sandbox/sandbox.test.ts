import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from './json-http.js';
import { startSandbox } from './start-sandbox.js';
import type { Sandbox } from './start-sandbox.js';

const anyText: unknown = expect.any(String);

describe('startSandbox', () => {
  it('listens on loopback ephemeral ports and closes promptly with hung and slow calls open', async () => {
    const lines: string[] = [];
    const sandbox = await startSandbox({ log: (line) => lines.push(line) });
    await callJson('POST', `${sandbox.productUrl}/__sandbox/faults`, {
      body: { operation: 'getProduct', mode: 'hang' },
    });
    await callJson('POST', `${sandbox.paymentUrl}/__sandbox/faults`, {
      body: { operation: 'charge', mode: 'latency', latencyMs: 60_000 },
    });
    const hung = fetch(`${sandbox.productUrl}/api/products/1`).catch((error: unknown) => error);
    const slow = fetch(`${sandbox.paymentUrl}/api/payments`, { method: 'POST' }).catch(
      (error: unknown) => error,
    );
    await expect
      .poll(async () => {
        const [product, payment] = await Promise.all([
          callJson('GET', `${sandbox.productUrl}/__sandbox/requests`),
          callJson('GET', `${sandbox.paymentUrl}/__sandbox/requests`),
        ]);
        return [product.body, payment.body].map(
          (body) => (body as { data: unknown[] }).data.length,
        );
      })
      .toEqual([1, 1]);
    const startedAt = performance.now();

    await sandbox.close();
    await sandbox.close();

    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
    expect(await slow).toBeInstanceOf(Error);
    for (const url of [sandbox.productUrl, sandbox.paymentUrl, sandbox.notificationUrl]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(lines).toEqual([]);
  });
});

describe('GET /__sandbox/requests', () => {
  let sandbox: Sandbox;
  const lines: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ log: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('records each call with its headers, body and answer, in arrival order', async () => {
    const headers = {
      'Idempotency-Key': 'order-6001-stock-decrease-1',
      'X-Request-Id': 'req-1',
      Authorization: 'Bearer service-token',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    await callJson('GET', `${sandbox.productUrl}/api/products/1`);
    await callJson('POST', `${sandbox.productUrl}/api/products/1/stock/decrease`, {
      body: { quantity: 1, orderId: 6001 },
      headers,
    });

    const { body } = await callJson('GET', `${sandbox.productUrl}/__sandbox/requests`);

    expect(body).toEqual({
      data: [
        {
          operation: 'getProduct',
          method: 'GET',
          path: '/api/products/1',
          productId: 1,
          body: null,
          status: 200,
          at: anyText,
        },
        {
          operation: 'decreaseStock',
          method: 'POST',
          path: '/api/products/1/stock/decrease',
          orderId: 6001,
          productId: 1,
          idempotencyKey: headers['Idempotency-Key'],
          requestId: 'req-1',
          authorization: 'Bearer service-token',
          traceparent: headers.traceparent,
          body: { quantity: 1, orderId: 6001 },
          status: 200,
          at: anyText,
        },
      ],
    });
    expect(lines).toContain('product decreaseStock POST /api/products/1/stock/decrease 200');
  });

  it('files a refund under the order of its payment', async () => {
    const charged = await callJson('POST', `${sandbox.paymentUrl}/api/payments`, {
      body: { orderId: 6002, userId: 1, amount: '1.00', currency: 'USD' },
      headers: { 'Idempotency-Key': 'order-6002-payment' },
    });
    const paymentId = (charged.body as { id: string }).id;
    await callJson('POST', `${sandbox.paymentUrl}/api/payments/${paymentId}/refund`, {
      body: { amount: '1.00', reason: 'order_cancelled' },
      headers: { 'Idempotency-Key': 'order-6002-refund' },
    });

    const { body } = await callJson(
      'GET',
      `${sandbox.paymentUrl}/__sandbox/requests?operation=refund&orderId=6002`,
    );

    expect(body).toMatchObject({ data: [{ operation: 'refund', orderId: 6002, status: 200 }] });
  });

  it('answers 400 to a malformed query or JSON body and 404 to an unknown route', async () => {
    const badQuery = await callJson('GET', `${sandbox.productUrl}/__sandbox/requests?orderId=abc`);
    const unknownParameter = await callJson(
      'GET',
      `${sandbox.productUrl}/__sandbox/requests?order=1`,
    );
    const badJson = await fetch(`${sandbox.paymentUrl}/api/payments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"orderId":',
    });
    const unknownRoute = await callJson('GET', `${sandbox.notificationUrl}/api/orders`);

    expect(badQuery).toEqual({ status: 400, body: { error: 'bad_request' } });
    expect(unknownParameter.status).toBe(400);
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({ error: 'bad_request' });
    expect(unknownRoute).toEqual({ status: 404, body: { error: 'not_found' } });
  });
});
