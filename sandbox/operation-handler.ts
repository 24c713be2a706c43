import type { Request, RequestHandler, Response } from 'express';
import { waitUnlessAborted } from './faults.js';
import type { FaultRule } from './faults.js';
import type { Operation, OperationTarget, Outcome } from './operation.js';
import type { PeerContext } from './peer-app.js';

export type OperationSpec<Input> = {
  operation: Operation;
  /** Reads what a call is about before validation, so a rejected call is logged and matched too. */
  identify(req: Request): OperationTarget;
  /** Throws BadRequestError. */
  parse(req: Request): Input;
  /** `wrong-amount` faults: the input as if it had asked for `amountCents`. */
  withAmount?(input: Input, amountCents: number): Input;
  /** Synchronous, so each call applies atomically between others. */
  apply(input: Input, idempotencyKey: string | undefined): Outcome;
};

const faultBody = { error: 'injected_fault' };
// Labelled JSON but not JSON: what a misrouted proxy or a half-written reply looks like.
const garbageBody = '<!doctype html><h1>502 Bad Gateway</h1>{"id":1,"price":';

/** Logs the call, plays any matching fault, then applies it at most once per Idempotency-Key. */
export function handleOperation<Input>(
  context: PeerContext,
  spec: OperationSpec<Input>,
): RequestHandler {
  return async (req, res) => {
    const target = spec.identify(req);
    context.requestLog.record(spec.operation, target, req, res);
    const fault = context.faults.take(spec.operation, target);

    if (fault?.mode === 'latency' && !(await waitUnlessAborted(fault.latencyMs, context.signal))) {
      return;
    }
    if (fault?.mode === 'error') {
      send(res, { status: fault.status, body: faultBody });
      return;
    }
    if (fault?.mode === 'hang') return;
    if (fault?.mode === 'garbage') {
      res.status(fault.status).type('application/json').send(garbageBody);
      return;
    }
    if (fault !== undefined && sendPoison(res, fault)) return;

    const parsed = spec.parse(req);
    const input =
      fault?.mode === 'wrong-amount' && fault.amountCents !== undefined && spec.withAmount
        ? spec.withAmount(parsed, fault.amountCents)
        : parsed;
    const idempotencyKey = req.get('Idempotency-Key');
    // A GET changes nothing, so a key on it must not freeze the answer.
    const outcome =
      req.method === 'GET'
        ? spec.apply(input, idempotencyKey)
        : context.idempotency.replayOrApply(idempotencyKey, () =>
            spec.apply(input, idempotencyKey),
          );

    if (fault?.mode === 'process-then-error') {
      send(res, { status: fault.status, body: faultBody });
      return;
    }
    if (fault?.mode === 'process-then-hang') return;
    send(res, outcome);
  };
}

/** The answers no peer-services.md peer gives: each applies nothing. */
function sendPoison(res: Response, fault: FaultRule): boolean {
  if (fault.mode === 'huge-body') {
    res.status(fault.status).type('application/json').send(hugeBody());
  } else if (fault.mode === 'html') {
    res.status(fault.status).type('text/html').send(htmlBody);
  } else if (fault.mode === 'redirect') {
    res.redirect(fault.status, fault.location ?? '/');
  } else {
    return false;
  }
  return true;
}

const htmlBody = '<!doctype html><title>Sign in</title><form action="/login"></form>';

let hugeBodyText: string | undefined;

/** 10 MB of valid JSON, built once. */
function hugeBody(): string {
  hugeBodyText ??= `{"padding":"${'x'.repeat(10 * 1024 * 1024)}"}`;
  return hugeBodyText;
}

function send(res: Response, outcome: Outcome): void {
  res.status(outcome.status).json(outcome.body);
}
