import type { Request, Response } from 'express';
import type { Operation, OperationTarget } from './operation.js';

/** Fields that are `undefined` are left out of the JSON the control API sends. */
export type RequestLogEntry = {
  operation: Operation;
  method: string;
  path: string;
  orderId: number | undefined;
  productId: number | undefined;
  idempotencyKey: string | undefined;
  requestId: string | undefined;
  authorization: string | undefined;
  traceparent: string | undefined;
  body: unknown;
  /** null while no answer has been sent: still waiting, or hung by a fault. */
  status: number | null;
  at: string;
};

export type RequestLogFilter = { operation?: Operation | undefined; orderId?: number | undefined };

export type RequestLog = {
  record(operation: Operation, target: OperationTarget, req: Request, res: Response): void;
  list(filter: RequestLogFilter): RequestLogEntry[];
};

export function createRequestLog(serviceName: string, log: (line: string) => void): RequestLog {
  const entries: RequestLogEntry[] = [];
  return {
    record(operation, target, req, res) {
      const body: unknown = req.body;
      const entry: RequestLogEntry = {
        operation,
        method: req.method,
        path: req.path,
        orderId: target.orderId,
        productId: target.productId,
        idempotencyKey: req.get('Idempotency-Key'),
        requestId: req.get('X-Request-Id'),
        authorization: req.get('Authorization'),
        traceparent: req.get('traceparent'),
        body: body ?? null,
        status: null,
        at: new Date().toISOString(),
      };
      entries.push(entry);
      res.on('finish', () => {
        entry.status = res.statusCode;
        log(`${serviceName} ${operation} ${req.method} ${req.path} ${String(res.statusCode)}`);
      });
    },
    list(filter) {
      return entries.filter(
        (entry) =>
          (filter.operation === undefined || entry.operation === filter.operation) &&
          (filter.orderId === undefined || entry.orderId === filter.orderId),
      );
    },
  };
}
