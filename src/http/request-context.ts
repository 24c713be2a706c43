import { randomBytes, randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, context, propagation, trace } from '@opentelemetry/api';
import type { Request, RequestHandler, Response } from 'express';
import {
  activeTraceIds,
  isRequestTraceContinuedInMiddleware,
} from '../observability/tracing-context.js';

declare module 'express-serve-static-core' {
  interface Locals {
    requestId?: string;
    traceId?: string;
  }
}

// Echo what the caller sent (order-api.md); only control characters, non-ASCII and absurd
// lengths are replaced, since the id goes into logs and peer requests.
const acceptableRequestId = /^[\x20-\x7e]{1,512}$/;

/**
 * Every response carries X-Request-Id: the caller's when it sent a sane one, else a new one.
 * The trace id is the active span's. With an exporter, the http instrumentation has made that
 * span, continuing the caller's `traceparent` (none for probes and scrapes). With no exporter
 * (observability/tracing.ts then loads no instrumentation) this middleware continues it itself,
 * with a span nobody records, so log lines, problem bodies and peer calls still share it. With
 * tracing disabled (OTEL_SDK_DISABLED) a random id still ties the problem body to the log lines.
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given !== undefined && acceptableRequestId.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  const proceed = () => {
    res.locals.traceId = activeTraceIds()?.traceId ?? randomBytes(16).toString('hex');
    next();
  };
  if (!isRequestTraceContinuedInMiddleware()) {
    proceed();
    return;
  }
  const requestContext = continuedTrace(req);
  // Listeners added later (the body parser's, on-finished's) run in the request's context too.
  context.bind(requestContext, req);
  context.bind(requestContext, res);
  context.with(requestContext, proceed);
};

const tracer = trace.getTracer('order-service/http');

/** The caller's trace (or a new one) with a SERVER span of ours, unrecorded unless sampled. */
function continuedTrace(req: Request) {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(`${req.method} request`, { kind: SpanKind.SERVER }, parent);
  req.once('close', () => {
    span.end();
  });
  return trace.setSpan(parent, span);
}

export const requestIdOf = (res: Response): string => res.locals.requestId ?? 'unknown';

export const traceIdOf = (res: Response): string => res.locals.traceId ?? 'unknown';

/**
 * What a use case passes to peer calls: the request id. The `traceparent` peers receive comes
 * from the span active at the call (peers/peer-http.ts), not from here.
 */
export const callContextOf = (res: Response): { requestId: string } => ({
  requestId: requestIdOf(res),
});
