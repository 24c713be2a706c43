import { docsAssetNames } from './docs-routes.js';
import type { OpenApiPaths } from './openapi-components.js';
import { problem } from './openapi-components.js';

/** Health, metrics and this document: no bearer token needed. */
export const operationalPaths: OpenApiPaths = {
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
      summary: 'This document as an interactive reference (Swagger UI)',
      security: [],
      responses: { '200': { description: 'HTML' } },
    },
  },
  '/docs/assets/{file}': {
    get: {
      summary: 'A script, style sheet or icon the /docs page loads',
      security: [],
      parameters: [
        {
          name: 'file',
          in: 'path',
          required: true,
          schema: { type: 'string', enum: docsAssetNames },
        },
        {
          name: 'v',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: 'The Swagger UI version; with it the file is cached for a year',
        },
      ],
      responses: {
        '200': { description: 'JavaScript, CSS or PNG' },
        '404': problem('No such file'),
      },
    },
  },
};
