import { beforeAll, describe, expect, it } from 'vitest';
import { request } from '../support/http-client.js';
import { problemJson } from '../support/orders.js';
import { useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

// OWASP API9:2023 Improper Inventory Management: every route the running app serves is in
// /openapi.json and every documented operation is served, so there is no undocumented (shadow)
// endpoint and no documented-but-gone one; and only the operational endpoints answer without a
// token.
const env = useTestService();

/** The only operations that answer without a token (order-api.md, "Health and metrics"). */
const publicOperations = [
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  'GET /openapi.json',
  'GET /asyncapi.json',
  'GET /docs',
  'GET /docs/assets/{file}',
];

type Layer = {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
  slash?: boolean;
};

/**
 * `GET /api/orders/{id}` for every route in the app's router stack, nested routers included.
 * Express 5 keeps a `use()` layer's mount path as `rawPath`; routers mounted at `/` add nothing.
 */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route !== undefined) {
      const paths = [layer.route.path].flat();
      return paths.flatMap((path) =>
        Object.keys(layer.route!.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${toOpenApiPath(prefix + path)}`),
      );
    }
    if (layer.handle.stack === undefined) return [];
    const mountPath = layer.slash === true || layer.rawPath === '/' ? '' : String(layer.rawPath);
    return routesOf(layer.handle.stack, prefix + mountPath);
  });
}

const toOpenApiPath = (expressPath: string): string =>
  expressPath.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/';

type Parameter = { name: string; in: string; schema?: { enum?: unknown[] } };
type Operation = { security?: unknown[]; parameters?: Parameter[] };
type OpenApi = { paths: Record<string, Record<string, Operation>>; security?: unknown[] };

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function documentedOperations(document: OpenApi): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => httpMethods.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/**
 * A concrete URL for an operation: a path parameter with documented values (`{file}` of
 * /docs/assets) takes the first, any other (`{id}`) becomes 1.
 */
const urlOf = (document: OpenApi, operation: string): { method: string; path: string } => {
  const [method, path] = operation.split(' ') as [string, string];
  const parameters = document.paths[path]?.[method.toLowerCase()]?.parameters ?? [];
  const valueOf = (name: string): string => {
    const documented = parameters.find((p) => p.in === 'path' && p.name === name)?.schema?.enum;
    return documented === undefined ? '1' : String(documented[0]);
  };
  return { method, path: path.replace(/\{(\w+)\}/g, (_, name: string) => valueOf(name)) };
};

describe('the route inventory', () => {
  let document: OpenApi;
  let routed: string[];
  beforeAll(async () => {
    document = (await env.api().get('/openapi.json')).body as OpenApi;
    const app = env.service.server.listeners('request')[0] as unknown as {
      router: { stack: Layer[] };
    };
    // A path and method may have more than one route layer (a rate limiter before the handler).
    routed = [...new Set(routesOf(app.router.stack))];
  });

  it('finds the routes by walking the running app (the walk itself works)', () => {
    expect(routed).toContain('GET /api/orders/{id}');
    expect(routed).toContain('POST /api/orders');
  });

  it('documents every routed operation in /openapi.json', () => {
    const documented = new Set(documentedOperations(document));

    expect(routed.filter((operation) => !documented.has(operation))).toEqual([]);
  });

  it('routes every operation /openapi.json documents', () => {
    const served = new Set(routed);

    expect(documentedOperations(document).filter((operation) => !served.has(operation))).toEqual(
      [],
    );
  });

  it('documents exactly the public operations as needing no token', () => {
    const documentedPublic = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => (operation.security ?? document.security)?.length === 0)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );

    expect(document.security).toEqual([{ bearer: [] }]);
    expect(documentedPublic.sort()).toEqual([...publicOperations].sort());
  });
});

describe('unauthenticated access', () => {
  let document: OpenApi;
  let operations: string[];
  beforeAll(async () => {
    document = (await env.api().get('/openapi.json')).body as OpenApi;
    operations = documentedOperations(document);
  });

  it('answers 401 to every routed operation without a token, except health, metrics and docs', async () => {
    const answers: Record<string, number> = {};

    for (const operation of operations) {
      const { method, path } = urlOf(document, operation);
      const body = method === 'GET' ? {} : { body: {} };
      answers[operation] = (await request(env.url, method, path, body)).status;
    }

    const expected = Object.fromEntries(
      operations.map((operation) => [operation, publicOperations.includes(operation) ? 200 : 401]),
    );
    expect(answers).toEqual(expected);
  });

  it('answers 401 under /api without a token even where nothing is routed, 404 with one', async () => {
    const user = await newUser();
    const probes = [
      ['DELETE', '/api/orders/1'],
      ['PUT', '/api/orders/1'],
      ['GET', '/api/users'],
      ['GET', '/api/v1/orders'],
      ['GET', '/api/orders/1/items'],
    ] as const;

    for (const [method, path] of probes) {
      const anonymous = await request(env.url, method, path);
      const signedIn = await request(env.url, method, path, { token: user.token });

      expect({ method, path, status: anonymous.status }).toEqual({ method, path, status: 401 });
      expect({ method, path, status: signedIn.status }).toEqual({ method, path, status: 404 });
      expect(signedIn.headers.get('content-type')).toMatch(problemJson);
    }
  });
});
