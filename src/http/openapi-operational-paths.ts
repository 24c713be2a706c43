import type { OpenApiPaths } from './openapi-components.js';

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
      summary: 'This document as a page',
      security: [],
      responses: { '200': { description: 'HTML' } },
    },
  },
};
