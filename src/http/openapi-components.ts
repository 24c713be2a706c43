/** Building blocks shared by the paths of the OpenAPI document (openapi.ts). */

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
};
export type OpenApiPaths = OpenApiDocument['paths'];

/** Named examples of one media type: each shows up by its summary in Swagger UI and Redoc. */
export type Examples = Record<string, { summary: string; value: unknown }>;

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
export const json = (schema: unknown, examples: Examples) => ({
  'application/json': { schema, examples },
});
export const requestBody = (required: boolean, schemaId: string, examples: Examples) => ({
  required,
  content: json(ref(schemaId), examples),
});

const retryAfter = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
  example: 5,
};
const wwwAuthenticate = {
  description: 'The scheme to authenticate with',
  schema: { type: 'string' },
  example: 'Bearer',
};

/** An error response: application/problem+json as docs/problems.md lists, with examples. */
export const problem = (description: string, examples: Examples) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem'), examples } },
});
export const problemWithRetryAfter = (description: string, examples: Examples) => ({
  ...problem(description, examples),
  headers: { 'Retry-After': retryAfter },
});
export const unauthorizedProblem = (examples: Examples) => ({
  ...problem(
    'Missing, malformed, badly signed, alg none, expired or not-yet-valid bearer token',
    examples,
  ),
  headers: { 'WWW-Authenticate': wwwAuthenticate },
});

const etag = {
  schema: { type: 'string', example: '"2"' },
  description: 'The order version, quoted',
};
const location = {
  schema: { type: 'string', example: '/api/orders/17' },
  description: 'The new order: /api/orders/{id}',
};

export const orderResponse = (description: string, examples: Examples) => ({
  description,
  headers: { ETag: etag },
  content: json(ref('Order'), examples),
});
/** 201 and 202 of POST /api/orders also name the new order. */
export const placedOrderResponse = (description: string, examples: Examples) => ({
  description,
  headers: { Location: location, ETag: etag },
  content: json(ref('Order'), examples),
});

export const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'A positive integer; anything else answers 400',
  schema: { type: 'integer', minimum: 1 },
  example: 17,
};
export const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string', example: '"3"' },
  description: 'The version the change is based on; a stale one answers 412.',
};
