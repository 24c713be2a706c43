import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Locals {
    requestId?: string;
    traceId?: string;
  }
}

// Echo what the caller sent (order-api.md); only control characters, non-ASCII and absurd
// lengths are replaced, since the id goes into logs and peer requests.
const acceptableRequestId = /^[\x20-\x7e]{1,512}$/;
// W3C Trace Context: version-traceid-parentid-flags; an all-zero trace id is invalid.
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Every response carries X-Request-Id: the caller's when it sent a sane one, else a new one.
 * The trace id continues the caller's `traceparent`, or starts a trace; problem bodies carry it
 * and peer calls propagate it (the OpenTelemetry SDK takes this over in the tracing work).
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given !== undefined && acceptableRequestId.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.locals.traceId = traceIdFrom(req.get('traceparent')) ?? randomBytes(16).toString('hex');
  res.setHeader('X-Request-Id', id);
  next();
};

function traceIdFrom(traceparent: string | undefined): string | undefined {
  const traceId = traceparent === undefined ? undefined : traceparentPattern.exec(traceparent)?.[1];
  return traceId === undefined || /^0+$/.test(traceId) ? undefined : traceId;
}

export const requestIdOf = (res: Response): string => res.locals.requestId ?? 'unknown';

export const traceIdOf = (res: Response): string => res.locals.traceId ?? 'unknown';

/** What a use case passes to peer calls: the request id and a child `traceparent`. */
export const callContextOf = (res: Response): { requestId: string; traceparent: string } => ({
  requestId: requestIdOf(res),
  traceparent: `00-${traceIdOf(res)}-${randomBytes(8).toString('hex')}-01`,
});
