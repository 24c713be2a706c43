import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Locals {
    requestId?: string;
  }
}

// Echo what the caller sent (order-api.md); only control characters, non-ASCII and absurd
// lengths are replaced, since the id goes into logs and peer requests.
const acceptableRequestId = /^[\x20-\x7e]{1,512}$/;

/** Every response carries X-Request-Id: the caller's when it sent a sane one, else a new one. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given !== undefined && acceptableRequestId.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

export const requestIdOf = (res: Response): string => res.locals.requestId ?? 'unknown';
