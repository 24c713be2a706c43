import { z } from 'zod';
import { adminPaths } from './openapi-admin-paths.js';
import type { OpenApiDocument } from './openapi-components.js';
import { operationalPaths } from './openapi-operational-paths.js';
import { orderPaths } from './openapi-order-paths.js';
import './schemas.js';

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
    paths: { ...orderPaths, ...adminPaths, ...operationalPaths },
  };
}
