import { isUtf8 } from 'node:buffer';
import cors from 'cors';
import express from 'express';
import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import helmet from 'helmet';
import { ValidationError } from '../domain/errors.js';
import { withLogContext } from '../observability/log-context.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { OrdersDeps } from '../orders/orders-deps.js';
import type { Authenticator } from './auth.js';
import { requireAuth } from './auth.js';
import type { Readiness } from './health-routes.js';
import { healthRoutes } from './health-routes.js';
import { docsRoutes } from './docs-routes.js';
import {
  MalformedJsonError,
  PayloadTooLargeError,
  RouteNotFoundError,
  ServiceStartingError,
  UnsupportedMediaTypeError,
} from './http-errors.js';
import { openApiDocument } from './openapi.js';
import type { AsyncApiSettings } from '../events/asyncapi-document.js';
import { asyncApiDocument } from '../events/asyncapi-document.js';
import { adminRoutes } from './admin-routes.js';
import { ordersRoutes } from './orders-routes.js';
import { toProblem } from './problem.js';
import { routePatterns } from './route-pattern.js';
import { requestContext, requestIdOf, traceIdOf } from './request-context.js';

export type AppDeps = {
  orders: OrdersDeps;
  authenticator: Authenticator;
  readiness: Readiness;
  logger: Logger;
  metrics: Metrics;
  corsOrigins: readonly string[];
  bodyLimit: string;
  /** Runs after authentication on POST /api/orders only (http/rate-limit.ts). */
  placeOrderRateLimit: RequestHandler;
  version: string;
  /** What /asyncapi.json describes (EVENTS_*); never the broker URL, which holds a password. */
  events: Omit<AsyncApiSettings, 'version'>;
};

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.use(requestContext);
  // Every log line written while serving the request carries its request id.
  app.use((_req, res, next) => {
    withLogContext({ requestId: requestIdOf(res) }, next);
  });
  const document = openApiDocument(deps.version);
  app.use(observeRequests(deps.logger, deps.metrics, routePatterns(Object.keys(document.paths))));
  app.use(helmet());
  if (deps.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: [...deps.corsOrigins],
        exposedHeaders: ['Location', 'ETag', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After'],
      }),
    );
  }

  app.use(healthRoutes(deps.readiness, deps.version));
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  const eventsDocument = asyncApiDocument({ ...deps.events, version: deps.version });
  app.get('/asyncapi.json', (_req, res) => {
    res.json(eventsDocument);
  });
  app.use(docsRoutes());

  app.use('/api', (_req, _res, next) => {
    // Until migrations are applied the API cannot serve; say so instead of failing queries.
    if (deps.readiness.phase() === 'starting') throw new ServiceStartingError();
    next();
  });
  app.use('/api', requireAuth(deps.authenticator));
  // Before the body is parsed: a caller over the limit costs us no parsing.
  app.post('/api/orders', deps.placeOrderRateLimit);
  app.use('/api', refuseOtherMediaTypes);
  app.use(
    express.json({
      limit: deps.bodyLimit,
      type: jsonMediaTypes,
      verify: refuseInvalidUtf8,
    }),
  );
  app.use(ordersRoutes(deps.orders));
  app.use(adminRoutes(deps.orders));

  app.use(() => {
    throw new RouteNotFoundError();
  });
  app.use(errorHandler(deps.logger));
  return app;
}

/** One log line and one metrics sample per request, labelled by route pattern. */
function observeRequests(
  logger: Logger,
  metrics: Metrics,
  unmatchedRouteOf: (url: string) => string,
): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched: unknown = req.route;
      const route = routeOf(req.baseUrl, matched) ?? unmatchedRouteOf(req.originalUrl);
      const labels = { method: req.method, route, status_code: String(res.statusCode) };
      metrics.httpRequestDuration.observe(labels, seconds);
      metrics.httpRequests.inc(labels);
      logger.info('request', {
        requestId: requestIdOf(res),
        traceId: traceIdOf(res),
        method: req.method,
        route,
        path: req.path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1000),
      });
    });
    next();
  };
}

/** The matched route pattern (`/api/orders/:id`), so metrics do not get a label per order id. */
function routeOf(baseUrl: string, route: unknown): string | undefined {
  if (typeof route === 'object' && route !== null && 'path' in route) {
    if (typeof route.path === 'string') return `${baseUrl}${route.path}`;
  }
  return undefined;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const traceId = traceIdOf(res);
    const problem = toProblem(translateParserError(error), traceId);
    if (problem.status >= 500) {
      logger.error('request failed', { requestId: requestIdOf(res), traceId, error });
    }
    if (res.headersSent) return;
    res
      .status(problem.status)
      .set(problem.headers)
      .type('application/problem+json')
      .json(problem.body);
  };
}

const jsonMediaTypes = ['application/json', 'application/*+json'];

/**
 * A body in another media type is a 415, not a body the JSON parser skips: a form-encoded cancel
 * would otherwise lose its reason, and a text/plain order would read as one with no items. A
 * request without a body (a bare POST …/cancel) has no media type to refuse.
 */
const refuseOtherMediaTypes: RequestHandler = (req, _res, next) => {
  // type-is counts `Content-Length: 0` as a body; a bare POST from fetch or curl sends it.
  const hasBody =
    req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
  if (hasBody && req.is(jsonMediaTypes) === false) {
    throw new UnsupportedMediaTypeError(req.get('content-type'), req.method);
  }
  next();
};

/**
 * A UTF-8 body must be UTF-8: the decoder would turn stray bytes into U+FFFD and the text would be
 * stored altered. body-parser hands its verifier the raw bytes before decoding.
 */
function refuseInvalidUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding) && !isUtf8(body)) {
    throw new ValidationError(
      [{ path: 'body', message: 'is not valid UTF-8' }],
      'The request body is not valid.',
    );
  }
}

/** body-parser's errors carry a `type`; turn the client's mistakes into domain errors. */
function translateParserError(error: unknown): unknown {
  // Thrown by refuseInvalidUtf8 (body-parser has stamped its own 403 on it): as thrown.
  if (error instanceof ValidationError) return error;
  // The router cannot percent-decode a path parameter such as `/api/orders/%`: a 400, not a 500.
  if (error instanceof URIError && 'status' in error && error.status === 400) {
    return new ValidationError(
      [{ path: 'params', message: 'not valid percent-encoding' }],
      'The path parameter is not valid.',
    );
  }
  if (typeof error !== 'object' || error === null || !('type' in error)) return error;
  if (error.type === 'entity.too.large') return new PayloadTooLargeError();
  // The rest of body-parser's 4xx (unsupported charset or encoding, aborted or truncated body)
  // are the client's body too: a 400, never a 500.
  const isClientError = 'status' in error && typeof error.status === 'number' && error.status < 500;
  if (typeof error.type === 'string' && isClientError) return new MalformedJsonError();
  return error;
}
