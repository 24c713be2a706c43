import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

declare module 'express-serve-static-core' {
  interface Locals {
    requestId?: string;
  }
}

const acceptableRequestId = /^[\x21-\x7e]{1,200}$/;

/** Every response carries X-Request-Id: the caller's when it sent a sane one, else a new one. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  const id = given !== undefined && acceptableRequestId.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

export const requestIdOf = (res: Response): string => res.locals.requestId ?? 'unknown';
