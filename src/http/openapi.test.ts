import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi.js';

type MediaTypes = Record<
  string,
  { schema?: { $ref?: string }; examples?: Record<string, Example> }
>;
type Example = { summary?: string; value: unknown };
type Response = { description: string; content?: MediaTypes };
type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: MediaTypes };
  responses: Record<string, Response>;
};

const document = openApiDocument('1.2.3');
const components = document.components as {
  schemas: Record<string, Record<string, unknown>>;
  securitySchemes: Record<string, { description?: string }>;
};
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    name: `${method.toUpperCase()} ${path}`,
    path,
    // The document is built from literals shaped like this; the test reads them back.
    operation: operation as Operation,
  })),
);

/** docs/problems.md's table: type → status. */
const documentedProblems = new Map(
  [
    ...readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8').matchAll(
      /^\| `([^`]+)` +\| (\d{3}) /gm,
    ),
  ].map((match) => [match[1], Number(match[2])]),
);

const examplesOf = (content: MediaTypes | undefined) =>
  Object.values(content ?? {}).flatMap((media) => Object.values(media.examples ?? {}));
const isError = (status: string) => /^[45]\d\d$/.test(status);
const isSuccess = (status: string) => /^2\d\d$/.test(status);

describe('the OpenAPI document', () => {
  it('names every operation with a stable camelCase operationId', () => {
    const ids = Object.fromEntries(
      operations.map(({ name, operation }) => [name, operation.operationId]),
    );

    expect(ids).toEqual({
      'POST /api/orders': 'placeOrder',
      'GET /api/orders': 'listOrders',
      'GET /api/orders/{id}': 'getOrder',
      'GET /api/orders/{id}/history': 'getOrderHistory',
      'PATCH /api/orders/{id}/status': 'changeOrderStatus',
      'POST /api/orders/{id}/cancel': 'cancelOrder',
      'GET /api/admin/sagas': 'listSagas',
      'GET /api/admin/sagas/{id}': 'getSaga',
      'POST /api/admin/sagas/{id}/retry': 'retrySaga',
      'POST /api/admin/sagas/{id}/resolve': 'resolveSaga',
      'GET /health': 'getHealth',
      'GET /health/live': 'getLiveness',
      'GET /health/ready': 'getReadiness',
      'GET /metrics': 'getMetrics',
      'GET /openapi.json': 'getOpenApiDocument',
      'GET /asyncapi.json': 'getAsyncApiDocument',
      'GET /docs': 'getDocsPage',
      'GET /docs/assets/{file}': 'getDocsAsset',
    });
    expect(new Set(Object.values(ids)).size).toBe(operations.length);
  });

  it('gives every operation a summary, a description and a described tag', () => {
    const tags = new Map(
      (document.tags as { name: string; description: string }[]).map((tag) => [
        tag.name,
        tag.description,
      ]),
    );

    for (const { name, operation } of operations) {
      expect(operation.summary, name).toMatch(/\S/);
      expect(operation.description, name).toMatch(/\S/);
      expect(operation.tags, name).toHaveLength(1);
      expect(tags.get(operation.tags?.[0] ?? ''), name).toMatch(/\S/);
    }
  });

  it('shows an example of every request body and every success response', () => {
    for (const { name, operation } of operations) {
      if (operation.requestBody !== undefined) {
        expect(examplesOf(operation.requestBody.content), `${name} request`).not.toEqual([]);
      }
      const successes = Object.entries(operation.responses).filter(([status]) => isSuccess(status));
      expect(successes, name).not.toEqual([]);
      for (const [status, response] of successes) {
        expect(examplesOf(response.content), `${name} ${status}`).not.toEqual([]);
      }
    }
  });

  it('answers every error of an /api operation as a Problem, with examples', () => {
    for (const { name, path, operation } of operations.filter((entry) =>
      entry.path.startsWith('/api/'),
    )) {
      const errors = Object.entries(operation.responses).filter(([status]) => isError(status));
      expect(
        errors.map(([status]) => status),
        name,
      ).toEqual(expect.arrayContaining(['400', '401', '500', '503']));
      for (const [status, response] of errors) {
        expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual([
          'application/problem+json',
        ]);
        expect(response.content?.['application/problem+json']?.schema, `${path} ${status}`).toEqual(
          {
            $ref: '#/components/schemas/Problem',
          },
        );
        expect(examplesOf(response.content), `${name} ${status}`).not.toEqual([]);
      }
    }
  });

  it('shows only problems of docs/problems.md, each under its own status', () => {
    const problems = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.responses)
        .filter(([, response]) => response.content?.['application/problem+json'] !== undefined)
        .flatMap(([status, response]) =>
          examplesOf(response.content).map((example) => ({
            where: `${name} ${status}`,
            status: Number(status),
            body: example.value as { type: string; title: string; status: number },
          })),
        ),
    );
    const titles = new Map<string, Set<string>>();

    expect(problems.length).toBeGreaterThan(operations.length);
    for (const { where, status, body } of problems) {
      expect(documentedProblems.get(body.type), `${where}: ${body.type}`).toBe(status);
      expect(body.status, where).toBe(status);
      titles.set(body.type, (titles.get(body.type) ?? new Set()).add(body.title));
    }
    for (const [type, seen] of titles) expect([...seen], type).toHaveLength(1);
  });

  it('declares the operational endpoints public and every /api operation behind the bearer token', () => {
    expect(document.security).toEqual([{ bearer: [] }]);
    for (const { name, path, operation } of operations) {
      expect(operation.security, name).toEqual(path.startsWith('/api/') ? undefined : []);
    }
  });

  it('says in the security scheme what the user and admin roles may do', () => {
    const description = components.securitySchemes.bearer?.description ?? '';

    expect(description).toMatch(/\*\*user\*\*/);
    expect(description).toMatch(/\*\*admin\*\*/);
    expect(description).toContain('/api/admin/*');
    expect(description).toContain('PATCH /api/orders/{id}/status');
  });

  it('has a server, and component schemas named by their key with no $id or $schema', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(Object.keys(components.schemas).sort()).toEqual(
      [
        'CancelRequest',
        'ChangeStatusRequest',
        'Order',
        'OrderHistory',
        'OrderPage',
        'PlaceOrderRequest',
        'Problem',
        'ResolveSagaRequest',
        'RetrySagaRequest',
        'ShippingAddress',
      ].sort(),
    );
    for (const [name, schema] of Object.entries(components.schemas)) {
      expect(Object.keys(schema), name).not.toContain('$id');
      expect(Object.keys(schema), name).not.toContain('$schema');
    }
    expect(JSON.stringify(document)).not.toContain('"$id"');
  });
});
