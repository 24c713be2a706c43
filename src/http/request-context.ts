import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { activeTraceIds } from '../observability/tracing-context.js';

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
 * The trace id is the active span's: the http instrumentation continues the caller's
 * `traceparent` or starts a trace. Without a span (OTEL_SDK_DISABLED, or a probe the tracing
 * ignores) a random id still ties the problem body to the log lines.
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given !== undefined && acceptableRequestId.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.locals.traceId = activeTraceIds()?.traceId ?? randomBytes(16).toString('hex');
  res.setHeader('X-Request-Id', id);
  next();
};

export const requestIdOf = (res: Response): string => res.locals.requestId ?? 'unknown';

export const traceIdOf = (res: Response): string => res.locals.traceId ?? 'unknown';

/**
 * What a use case passes to peer calls: the request id. The `traceparent` peers receive comes
 * from the span active at the call (peers/peer-http.ts), not from here.
 */
export const callContextOf = (res: Response): { requestId: string } => ({
  requestId: requestIdOf(res),
});
