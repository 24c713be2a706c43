import { z } from 'zod';
import { orderStatuses } from '../domain/order-status.js';
import './schemas.js';

type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const orderResponse = (description: string) => ({
  description,
  headers: { ETag: { schema: { type: 'string' }, description: 'The order version, quoted' } },
  content: json(ref('Order')),
});
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string', example: '"3"' },
  description: 'The version the change is based on; a stale one answers 412.',
};
const sagaSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'orderId',
    'kind',
    'state',
    'step',
    'attempts',
    'lastError',
    'nextAttemptAt',
    'lockedUntil',
    'deadlineAt',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    orderId: { type: 'integer' },
    kind: { type: 'string', enum: ['place', 'cancel', 'fail'] },
    state: { type: 'string', enum: ['running', 'compensating', 'completed', 'failed'] },
    step: { type: 'string', example: 'charge' },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    lockedUntil: { type: ['string', 'null'], format: 'date-time' },
    deadlineAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const common = {
  '400': problem('Invalid path, query, header or body'),
  '401': problem('Missing or invalid bearer token'),
  '503': problem('The service is starting, or the database is not answering (Retry-After)'),
};

/** order-api.md as OpenAPI 3.1, its schemas generated from the zod schemas the routes parse with. */
export function openApiDocument(version: string): OpenApiDocument {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Order Service',
      version,
      description:
        'Takes, pays for, tracks and cancels orders. Money is a decimal string with two fractional digits; errors are application/problem+json (RFC 9457).',
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/orders': {
        post: {
          summary: 'Place an order (runs the order saga)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 255 },
            },
          ],
          requestBody: { required: true, content: json(ref('PlaceOrderRequest')) },
          responses: {
            '201': orderResponse('Paid; Location names the order'),
            '202': orderResponse('Stored as pending; finishes in the background'),
            '200': orderResponse('Replay of a request first answered 202, the order now'),
            ...common,
            '402': problem('Payment declined; the order is failed and stock restored'),
            '409': problem('Not enough stock, or the same Idempotency-Key is in flight'),
            '413': problem('Body too large'),
            '422': problem('Unknown products, or Idempotency-Key reused with another body'),
            '429': problem(
              'More orders than RATE_LIMIT_ORDERS_PER_MINUTE by this user (Retry-After)',
            ),
            '502': problem(
              'The Payment Service charged another amount; the order is failed and compensated',
            ),
            '503': problem(
              'Product Service unavailable, nothing stored; or the service is starting or the database is not answering (Retry-After)',
            ),
          },
        },
        get: {
          summary: 'List orders, newest first',
          description:
            'Newest first: createdAt desc, then id desc. Two ways to page, same order: by `page` (with `total` and `totalPages`; each page reads the rows before it), or by `after` = the previous `pagination.nextCursor` (reads only the page, counts nothing: `page`, `total` and `totalPages` are null). Every response carries `nextCursor`, so a client can switch to cursors from any page. Keep the filters and limit the same while following cursors.',
          parameters: [
            {
              name: 'page',
              in: 'query',
              schema: { type: 'integer', minimum: 1, default: 1 },
              description: 'Page mode. With `after` only 1 (or absent) is accepted; more is 400.',
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            },
            { name: 'status', in: 'query', schema: { type: 'string', enum: orderStatuses } },
            {
              name: 'userId',
              in: 'query',
              schema: { type: 'integer', minimum: 1 },
              description: "Admins: any user's orders. Users: only their own id, else 403.",
            },
            {
              name: 'createdFrom',
              in: 'query',
              schema: { type: 'string', format: 'date-time', example: '2026-11-01T00:00:00Z' },
              description:
                'Only orders created at or after this instant (inclusive). ISO 8601 with Z or an offset (send + as %2B), at most milliseconds.',
            },
            {
              name: 'createdTo',
              in: 'query',
              schema: { type: 'string', format: 'date-time', example: '2026-12-01T00:00:00Z' },
              description:
                'Only orders created before this instant (exclusive); must be later than createdFrom.',
            },
            {
              name: 'after',
              in: 'query',
              schema: { type: 'string' },
              description:
                'Cursor mode: the orders after the position in this cursor, a `pagination.nextCursor` passed back unchanged. It holds only a position, never who may see what. Malformed: 400.',
            },
          ],
          responses: {
            '200': { description: 'One page', content: json(ref('OrderPage')) },
            ...common,
            '403': problem("A user asked for another user's orders"),
          },
        },
      },
      '/api/orders/{id}': {
        get: {
          summary: 'One order (owner or admin)',
          parameters: [idParameter],
          responses: {
            '200': orderResponse('The order'),
            ...common,
            '404': problem('Missing or not yours'),
          },
        },
      },
      '/api/orders/{id}/history': {
        get: {
          summary: "The order's status changes, oldest first",
          parameters: [idParameter],
          responses: {
            '200': { description: 'The audit trail', content: json(ref('OrderHistory')) },
            ...common,
            '404': problem('Missing or not yours'),
          },
        },
      },
      '/api/orders/{id}/status': {
        patch: {
          summary: 'Change status (admin only)',
          parameters: [idParameter, ifMatch],
          requestBody: { required: true, content: json(ref('ChangeStatusRequest')) },
          responses: {
            '200': orderResponse('Changed'),
            '202': orderResponse('Cancel or fail accepted; the refund finishes in the background'),
            ...common,
            '403': problem('Not an admin'),
            '404': problem('Missing'),
            '409': problem('Transition not allowed; names the current and allowed statuses'),
            '412': problem('If-Match is stale'),
          },
        },
      },
      '/api/orders/{id}/cancel': {
        post: {
          summary: 'Cancel (owner or admin): refund if charged, restock',
          parameters: [idParameter, ifMatch],
          requestBody: { required: false, content: json(ref('CancelRequest')) },
          responses: {
            '200': orderResponse('Cancelled (or already cancelled)'),
            '202': orderResponse('Accepted; the refund finishes in the background'),
            ...common,
            '404': problem('Missing or not yours'),
            '409': problem('Shipped, delivered or failed'),
            '412': problem('If-Match is stale'),
          },
        },
      },
      '/api/admin/sagas': {
        get: {
          summary: 'Unfinished or stuck sagas, longest waiting first (admin only)',
          parameters: [
            {
              name: 'state',
              in: 'query',
              schema: {
                type: 'string',
                enum: ['unfinished', 'running', 'compensating', 'completed', 'failed'],
                default: 'unfinished',
              },
            },
            { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            },
          ],
          responses: {
            '200': {
              description:
                'One page: id, orderId, kind, state, step, attempts, lastError, nextAttemptAt, lockedUntil, deadlineAt',
              content: json({
                type: 'object',
                additionalProperties: false,
                required: ['data', 'pagination'],
                properties: {
                  data: { type: 'array', items: sagaSchema },
                  pagination: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['page', 'limit', 'total', 'totalPages'],
                    properties: {
                      page: { type: 'integer' },
                      limit: { type: 'integer' },
                      total: { type: 'integer' },
                      totalPages: { type: 'integer' },
                    },
                  },
                },
              }),
            },
            ...common,
            '403': problem('Not an admin'),
          },
        },
      },
      '/api/admin/sagas/{id}/retry': {
        post: {
          summary: 'Make an unfinished saga due now; the recovery loop takes it (admin only)',
          parameters: [idParameter],
          responses: {
            '202': { description: 'Scheduled', content: json(sagaSchema) },
            ...common,
            '403': problem('Not an admin'),
            '404': problem('No such saga'),
            '409': problem('The saga has finished'),
          },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness with version',
          security: [],
          responses: { '200': { description: 'ok' } },
        },
      },
      '/health/live': {
        get: {
          summary: 'The process can serve',
          security: [],
          responses: { '200': { description: 'ok' } },
        },
      },
      '/health/ready': {
        get: {
          summary: 'Database up and migrations applied; 503 while starting or stopping',
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'text format' } },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1, JSON' } },
        },
      },
      '/docs': {
        get: {
          summary: 'This document as a page',
          security: [],
          responses: { '200': { description: 'HTML' } },
        },
      },
    },
  };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A self-contained page (no external scripts: helmet's CSP and offline installs both allow it). */
export function docsPage(document: OpenApiDocument): string {
  const rows = Object.entries(document.paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => {
        const op = operation as {
          summary?: string;
          responses?: Record<string, { description?: string }>;
        };
        const responses = Object.entries(op.responses ?? {})
          .map(
            ([status, response]) =>
              `<li><code>${status}</code> ${escapeHtml(response.description ?? '')}</li>`,
          )
          .join('');
        return `<section><h2><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2><p>${escapeHtml(op.summary ?? '')}</p><ul>${responses}</ul></section>`;
      }),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Order Service API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}h2{font-size:1.1rem;margin-top:2rem}pre{background:#f5f5f5;padding:1rem;overflow:auto}</style></head>
<body><h1>Order Service API</h1><p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>. Every <code>/api</code> route needs <code>Authorization: Bearer &lt;JWT&gt;</code>.</p>
${rows}
<h2>Schemas</h2><pre>${escapeHtml(JSON.stringify((document.components as { schemas: unknown }).schemas, null, 2))}</pre></body></html>`;
}
