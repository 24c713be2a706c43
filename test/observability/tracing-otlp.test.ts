import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAs } from '../support/http-client.js';
import { useProcessCluster } from '../support/service-process.js';
import type { OtlpExport, SpanRecord } from '../support/span-tree.js';
import { fromOtlpJson, isDescendantOf } from '../support/span-tree.js';
import { orderBody } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

/**
 * Over the wire: the service as a process (node --import instrument.ts, as `npm start`) exports
 * OTLP/HTTP to a receiver this test runs on loopback, standing in for Jaeger's port 4318.
 */
type Received = { path: string; contentType: string | undefined; body: OtlpExport };

const received: Received[] = [];
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

const cluster = useProcessCluster();

const receivedSpans = (): { resource: Record<string, unknown>; spans: SpanRecord[] }[] =>
  received.flatMap((request) => fromOtlpJson(request.body));

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('OTLP/HTTP export', () => {
  it("sends the order's spans to OTEL_EXPORTER_OTLP_ENDPOINT, with service name and version", async () => {
    const service = cluster.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const url = await service.ready();
    const user = await newUser();
    const product = await cluster.peers.createProduct({ price: '2.00', stock: 2 });

    const placed = await apiAs(url, user.token).post(
      '/api/orders',
      orderBody([{ productId: product.id, quantity: 1 }]),
    );

    expect(placed.status).toBe(201);
    const ofOrder = (spans: SpanRecord[]) => {
      const traceIds = new Set(
        spans
          .filter((span) => span.attributes['order.id'] === placed.body.id)
          .map((s) => s.traceId),
      );
      return spans.filter((span) => traceIds.has(span.traceId));
    };
    const names = () =>
      new Set(ofOrder(receivedSpans().flatMap((batch) => batch.spans)).map((span) => span.name));
    await expect
      .poll(() => [...names()].filter((name) => wanted.includes(name)).sort(), {
        timeout: 15_000,
      })
      .toEqual([...wanted].sort());
    expect(received.every((request) => request.path === '/v1/traces')).toBe(true);
    expect(received[0]?.contentType).toMatch(/^application\/json/);
    const batches = receivedSpans();
    for (const batch of batches) {
      expect(batch.resource).toMatchObject({
        'service.name': 'order-service',
        'service.version': packageVersion,
      });
    }
    const spans = ofOrder(batches.flatMap((batch) => batch.spans));
    const server = spans.find((span) => span.name === 'POST /api/orders')!;
    expect(server.kind).toBe('server');
    const charge = spans.find((span) => span.name === 'payment charge')!;
    expect(charge.kind).toBe('client');
    expect(isDescendantOf(spans, charge, server)).toBe(true);
    expect(spans.some((span) => span.name.startsWith('pg.query'))).toBe(true);
    const [seen] = (await cluster.peers.requests('charge', placed.body.id)) as {
      traceparent?: string;
    }[];
    expect(seen?.traceparent).toBe(`00-${charge.traceId}-${charge.spanId}-01`);
  });
});

const wanted = [
  'POST /api/orders',
  'saga decrease-stock',
  'product decreaseStock',
  'saga charge',
  'payment charge',
  'saga mark-paid',
];
