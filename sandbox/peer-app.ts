import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { BadRequestError, parseInput } from './bad-request.js';
import { createFaults, faultRuleSchema } from './faults.js';
import type { Faults } from './faults.js';
import { createIdempotencyStore } from './idempotency.js';
import type { IdempotencyStore } from './idempotency.js';
import { idTextSchema } from './ids.js';
import type { Operation } from './operation.js';
import { createRequestLog } from './request-log.js';
import type { RequestLog } from './request-log.js';

export type PeerOptions = {
  /** Receives one line per call on the /api routes; nothing is logged without it. */
  log?: (line: string) => void;
};

export type PeerContext = {
  requestLog: RequestLog;
  faults: Faults;
  idempotency: IdempotencyStore;
  /** Aborted by `dispose()`, so that latency faults stop waiting. */
  signal: AbortSignal;
};

export type PeerApp = { app: Express; context: PeerContext; dispose: () => void };

type PeerSettings = {
  name: string;
  operations: readonly [Operation, ...Operation[]];
  options: PeerOptions;
  /** Mounts the service's own /api and /__sandbox routes. */
  routes(app: Express, context: PeerContext): void;
};

/** One fake peer: its routes plus the control API every sandbox service shares. */
export function createPeerApp(settings: PeerSettings): PeerApp {
  const log = settings.options.log ?? (() => undefined);
  const lifetime = new AbortController();
  const context: PeerContext = {
    requestLog: createRequestLog(settings.name, log),
    faults: createFaults(),
    idempotency: createIdempotencyStore(),
    signal: lifetime.signal,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json());
  settings.routes(app, context);
  mountControlRoutes(app, context, settings.operations);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = clientErrorStatusOf(error);
    if (status === undefined) {
      log(`${settings.name} unexpected error: ${String(error)}`);
      res.status(500).json({ error: 'internal_error' });
      return;
    }
    res.status(status).json({ error: 'bad_request' });
  });

  return {
    app,
    context,
    dispose: () => {
      lifetime.abort();
    },
  };
}

function mountControlRoutes(
  app: Express,
  context: PeerContext,
  operations: readonly [Operation, ...Operation[]],
): void {
  const requestsQuery = z
    .object({ operation: z.enum(operations).optional(), orderId: idTextSchema.optional() })
    .strict();
  const ruleSchema = faultRuleSchema(operations);

  app.get('/__sandbox/requests', (req, res) => {
    res.json({ data: context.requestLog.list(parseInput(requestsQuery, req.query)) });
  });
  app.get('/__sandbox/faults', (_req, res) => {
    res.json({ data: context.faults.list() });
  });
  app.post('/__sandbox/faults', (req, res) => {
    res.status(201).json(context.faults.add(parseInput(ruleSchema, req.body)));
  });
  app.delete('/__sandbox/faults', (_req, res) => {
    context.faults.clear();
    res.status(204).end();
  });
}

/** Our own BadRequestError, or body-parser's 4xx (malformed JSON, body too large). */
function clientErrorStatusOf(error: unknown): number | undefined {
  if (error instanceof BadRequestError) return 400;
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  const { status } = error;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
