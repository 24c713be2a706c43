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
        description: 'Health, readiness, metrics and this document; no token needed',
      },
    ],
    components: {
      schemas: componentSchemas(schemas),
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
 * zod emits each registered schema as a standalone JSON Schema: `$schema` and an `$id` of
 * `#/components/schemas/<id>`. OpenAPI's own schema refuses an `$id` with a fragment, and inside
 * the document the dialect is OpenAPI's, so both go; the name stays the component's key.
 */
function componentSchemas(schemas: Record<string, z.core.JSONSchema.BaseSchema>) {
  return Object.fromEntries(
    Object.entries(schemas).map(([name, { $id: _id, $schema: _dialect, ...schema }]) => [
      name,
      schema,
    ]),
  );
}
