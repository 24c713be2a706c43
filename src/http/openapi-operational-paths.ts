import { docsAssetNames } from './docs-routes.js';
import type { Examples, OpenApiPaths } from './openapi-components.js';
import { problem } from './openapi-components.js';
import { problemExamples, unreadableRequestProblem } from './openapi-problem-examples.js';

const tags = ['operational'];
/** Public: no bearer token; order-api.md "Health and metrics (no authentication)". */
const security: unknown[] = [];

const content = (mediaType: string, schema: unknown, examples: Examples) => ({
  [mediaType]: { schema, examples },
});

const peerStates = {
  type: 'object',
  description:
    "Each peer's last call: its HTTP status, or why there was none. Never makes the service unready.",
  additionalProperties: {
    type: 'object',
    required: ['lastStatus', 'at'],
    properties: { lastStatus: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
  },
};
const readiness = {
  type: 'object',
  required: ['status', 'checks', 'peers'],
  properties: {
    status: { type: 'string', enum: ['ready', 'starting', 'stopping', 'unavailable'] },
    checks: {
      type: 'object',
      required: ['database'],
      properties: { database: { type: 'string', enum: ['up', 'down'] } },
    },
    peers: peerStates,
  },
};
const seenAt = '2026-11-24T10:00:01.250Z';

/** Health, metrics, this document and the events' one: no bearer token needed. */
export const operationalPaths: OpenApiPaths = {
  '/health': {
    get: {
      operationId: 'getHealth',
      tags,
      security,
      summary: 'Liveness with version',
      description: 'The version being served and seconds since start.',
      responses: {
        '200': {
          description: 'ok',
          content: content(
            'application/json',
            {
              type: 'object',
              required: ['status', 'version', 'uptime'],
              properties: {
                status: { type: 'string', const: 'ok' },
                version: { type: 'string' },
                uptime: { type: 'integer', description: 'Seconds since the process started' },
              },
            },
            { ok: { summary: 'Serving', value: { status: 'ok', version: '0.1.0', uptime: 3600 } } },
          ),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/health/live': {
    get: {
      operationId: 'getLiveness',
      tags,
      security,
      summary: 'The process can serve',
      description: 'Checks no dependency: for a liveness probe.',
      responses: {
        '200': {
          description: 'ok',
          content: content(
            'application/json',
            {
              type: 'object',
              required: ['status'],
              properties: { status: { type: 'string', const: 'ok' } },
            },
            { ok: { summary: 'Alive', value: { status: 'ok' } } },
          ),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/health/ready': {
    get: {
      operationId: 'getReadiness',
      tags,
      security,
      summary: 'Database up and migrations applied; 503 while starting or stopping',
      description:
        'For a readiness probe: 503 while starting, when the database is unreachable, and from the moment SIGTERM arrives. Peers are reported, never counted.',
      responses: {
        '200': {
          description: 'ready',
          content: content('application/json', readiness, {
            ready: {
              summary: 'Ready; the Product Service answered last',
              value: {
                status: 'ready',
                checks: { database: 'up' },
                peers: { product: { lastStatus: '200', at: seenAt } },
              },
            },
          }),
        },
        '503': {
          description: 'not ready',
          content: content('application/json', readiness, {
            stopping: {
              summary: 'SIGTERM arrived: draining',
              value: { status: 'stopping', checks: { database: 'down' }, peers: {} },
            },
            unavailable: {
              summary: 'The database is not answering',
              value: {
                status: 'unavailable',
                checks: { database: 'down' },
                peers: { payment: { lastStatus: 'timeout', at: seenAt } },
              },
            },
          }),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics',
      tags,
      security,
      summary: 'Prometheus metrics',
      description:
        'Prometheus text format: request, order, saga, peer and database metrics, and the default process metrics. Keep it on the internal network.',
      responses: {
        '200': {
          description: 'text format',
          content: content(
            'text/plain',
            { type: 'string' },
            {
              sample: {
                summary: 'Two lines of many',
                value:
                  '# HELP orders_created_total Orders stored (entered pending)\n# TYPE orders_created_total counter\norders_created_total 17\n',
              },
            },
          ),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags,
      security,
      summary: 'This document',
      description: 'OpenAPI 3.1, generated from the code at start.',
      responses: {
        '200': {
          description: 'OpenAPI 3.1, JSON',
          content: content(
            'application/json',
            {
              type: 'object',
              required: ['openapi', 'info', 'paths'],
              properties: {
                openapi: { type: 'string' },
                info: { type: 'object' },
                paths: { type: 'object' },
              },
            },
            {
              head: {
                summary: 'Its first members',
                value: {
                  openapi: '3.1.0',
                  info: { title: 'Order Service', version: '0.1.0' },
                  paths: {},
                },
              },
            },
          ),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/asyncapi.json': {
    get: {
      operationId: 'getAsyncApiDocument',
      tags,
      security,
      summary: 'The order events, as AsyncAPI 3',
      description:
        'AsyncAPI 3.0 of the order events this service publishes to RabbitMQ while EVENTS_BROKER_URL is set (docs/events.md): the exchange, one message per event type, each a CloudEvent whose data is an `Order` plus `previousStatus`. Generated from the code at start, with the EVENTS_EXCHANGE, EVENTS_SOURCE and EVENTS_TYPE_PREFIX of this deployment; served whether or not events are on.',
      responses: {
        '200': {
          description: 'AsyncAPI 3.0, JSON',
          content: content(
            'application/json',
            {
              type: 'object',
              required: ['asyncapi', 'info', 'channels', 'operations'],
              properties: {
                asyncapi: { type: 'string' },
                info: { type: 'object' },
                channels: { type: 'object' },
                operations: { type: 'object' },
              },
            },
            {
              head: {
                summary: 'Its first members',
                value: {
                  asyncapi: '3.0.0',
                  info: { title: 'Order Service events', version: '0.1.0' },
                  channels: {},
                  operations: {},
                },
              },
            },
          ),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/docs': {
    get: {
      operationId: 'getDocsPage',
      tags,
      security,
      summary: 'This document as an interactive reference (Swagger UI)',
      description:
        'Swagger UI, served by the service itself from the swagger-ui-dist package under its CSP (no CDN), built from /openapi.json: every operation, with Authorize for a bearer token and Try it out.',
      responses: {
        '200': {
          description: 'HTML',
          content: content(
            'text/html',
            { type: 'string' },
            { page: { summary: 'The page', value: '<!doctype html><html lang="en">…</html>' } },
          ),
        },
        ...unreadableRequestProblem,
      },
    },
  },
  '/docs/assets/{file}': {
    get: {
      operationId: 'getDocsAsset',
      tags,
      security,
      summary: 'A script, style sheet or icon the /docs page loads',
      description:
        'Only these files are served; with `v` (the Swagger UI version) they are cached for a year.',
      parameters: [
        {
          name: 'file',
          in: 'path',
          required: true,
          schema: { type: 'string', enum: docsAssetNames },
          example: 'init.js',
        },
        {
          name: 'v',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: 'The Swagger UI version; with it the file is cached for a year',
          example: '5.36.0',
        },
      ],
      responses: {
        '200': {
          description: 'JavaScript, CSS or PNG',
          content: content(
            'text/javascript',
            { type: 'string' },
            { script: { summary: 'init.js', value: 'window.ui = SwaggerUIBundle({ … });' } },
          ),
        },
        ...unreadableRequestProblem,
        '404': problem('No such file', { notFound: problemExamples.routeNotFound }),
      },
    },
  },
};
