/** Building blocks shared by the paths of the OpenAPI document (openapi.ts). */

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
};
export type OpenApiPaths = OpenApiDocument['paths'];

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
export const json = (schema: unknown) => ({ 'application/json': { schema } });
export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
export const orderResponse = (description: string) => ({
  description,
  headers: { ETag: { schema: { type: 'string' }, description: 'The order version, quoted' } },
  content: json(ref('Order')),
});
export const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
export const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string', example: '"3"' },
  description: 'The version the change is based on; a stale one answers 412.',
};
/** The problems every /api operation may answer. */
export const commonProblems = {
  '400': problem('Invalid path, query, header or body'),
  '401': problem('Missing or invalid bearer token'),
  '503': problem('The service is starting, or the database is not answering (Retry-After)'),
};
