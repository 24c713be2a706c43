import { z } from 'zod';
import { adminPaths } from './openapi-admin-paths.js';
import type { OpenApiDocument } from './openapi-components.js';
import { operationalPaths } from './openapi-operational-paths.js';
import { orderPaths } from './openapi-order-paths.js';
import './schemas.js';

const bearerDescription = [
  'A JWT in `Authorization: Bearer <token>`: HS256 signed with `JWT_SECRET`, or RS256/ES256 from the identity provider at `JWKS_URL`; `iss` and `aud` are checked when `JWT_ISSUER` and `JWT_AUDIENCE` are set. `sub` is the user id (a positive integer), `exp` is required.',
  'Two roles. **admin**: `role: "admin"`, or `"admin"` in `roles`. **user**: any other token.',
  "A user may place orders, and list, read, see the history of and cancel their own: another user's order answers 404, as a missing one does, and listing another user's `userId` 403.",
  "An admin may do all of that on every user's orders, and also change an order's status (`PATCH /api/orders/{id}/status`) and inspect, retry and resolve sagas (`/api/admin/*`); a user gets 403 there.",
  'A missing, malformed, badly signed, `alg: none`, expired or not-yet-valid token answers 401 with `WWW-Authenticate: Bearer`.',
].join('\n\n');

/** order-api.md as OpenAPI 3.1, its schemas generated from the zod schemas the routes parse with. */
export function openApiDocument(version: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Order Service',
      version,
      description:
        'Takes, pays for, tracks and cancels orders. Money is a decimal string with two fractional digits; errors are application/problem+json (RFC 9457), their types listed in docs/problems.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: each deployment serves its own document, so tools call the host they read it from.
    servers: [{ url: '/', description: 'The host serving this document' }],
    tags: [
      { name: 'orders', description: 'Place, list, read, change and cancel orders' },
      { name: 'admin', description: 'Sagas that are unfinished or need attention (admin only)' },
      {
        name: 'operational',
        description:
          'Health, readiness, metrics, this document and the events document; no token needed',
      },
    ],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: bearerDescription,
        },
      },
    },
    security: [{ bearer: [] }],
    paths: { ...orderPaths, ...adminPaths, ...operationalPaths },
  };
}

/**
 * The registered zod schemas (schemas.ts) as JSON Schemas by id, referring to each other as
 * `#/components/schemas/<id>`; the AsyncAPI document (events/asyncapi-document.ts) takes `Order`
 * from here too. zod emits each as a standalone JSON Schema: `$schema` and an `$id` of
 * `#/components/schemas/<id>`. OpenAPI's own schema refuses an `$id` with a fragment, and inside
 * the document the dialect is the document's, so both go; the name stays the component's key.
 */
export function componentSchemas(): Record<string, z.core.JSONSchema.BaseSchema> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $id: _id, $schema: _dialect, ...schema }]) => [
      name,
      schema,
    ]),
  );
}
