import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../domain/errors.js';
import { orderId, productId } from '../domain/ids.js';
import * as httpErrors from './http-errors.js';
import { toProblem } from './problem.js';

/** One instance of every failure class: the domain's, and those only HTTP knows. */
const samples: (errors.DomainError | httpErrors.HttpError)[] = [
  new errors.ValidationError([{ path: 'items.0.quantity', message: 'too small' }]),
  new httpErrors.MalformedJsonError(),
  new httpErrors.PayloadTooLargeError(),
  new httpErrors.UnsupportedMediaTypeError('text/plain', 'POST'),
  new httpErrors.UnauthorizedError(),
  new errors.ForbiddenError(),
  new errors.OrderNotFoundError(orderId(1)),
  new httpErrors.RouteNotFoundError(),
  new errors.UnknownProductsError([productId(9)]),
  new errors.InsufficientStockError([productId(3)]),
  new errors.PaymentDeclinedError(orderId(1), 'card_declined'),
  new errors.PaymentServiceError(orderId(1)),
  new errors.ProductServiceUnavailableError(),
  new httpErrors.ServiceStartingError(),
  new errors.DatabaseUnavailableError(),
  new errors.SagaNotFoundError(7),
  new errors.SagaFinishedError(7),
  new errors.SagaNotParkedError(7),
  new errors.IllegalTransitionError('shipped', 'cancelled', ['delivered']),
  new errors.PreconditionFailedError(4),
  new errors.IdempotencyKeyReusedError(),
  new errors.IdempotencyKeyInFlightError(),
  new httpErrors.TooManyRequestsError(30),
];

const documented = new Map(
  [
    ...readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8').matchAll(
      /^\| `([^`]+)` +\| (\d{3}) /gm,
    ),
  ].map((match) => [match[1], Number(match[2])]),
);

describe('problem types', () => {
  it('has a sample of every error class in domain/errors.ts and http/http-errors.ts', () => {
    const abstract = ['DomainError', 'HttpError', 'ReplayedFailure'];
    const classes = Object.entries({ ...errors, ...httpErrors })
      .filter(([name, value]) => typeof value === 'function' && !abstract.includes(name))
      .map(([name]) => name);

    expect(samples.map((sample) => sample.constructor.name).sort()).toEqual(classes.sort());
  });

  it('documents every problem type with its status in docs/problems.md', () => {
    for (const sample of samples) {
      const problem = toProblem(sample, 'trace');

      expect(documented.get(problem.body.type), problem.body.type).toBe(problem.status);
    }
    expect(documented.get('/problems/internal-error')).toBe(500);
  });

  it('answers anything unknown with a 500 whose fixed detail leaks nothing', () => {
    const problem = toProblem(
      new Error('relation "orders" at db.internal:5432 does not exist'),
      't-1',
    );

    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem.body)).not.toMatch(/orders|db\.internal|5432/);
    expect(problem.body).toEqual({
      type: '/problems/internal-error',
      title: 'An unexpected error occurred.',
      status: 500,
      detail:
        'The service could not complete the request. It is logged under this traceId; quote it when you report it.',
      traceId: 't-1',
    });
  });

  it('adds WWW-Authenticate to 401 and Retry-After to 429 and 503', () => {
    expect(toProblem(new httpErrors.UnauthorizedError(), 't').headers).toEqual({
      'WWW-Authenticate': 'Bearer',
    });
    expect(toProblem(new errors.ProductServiceUnavailableError(), 't').headers).toHaveProperty(
      'Retry-After',
    );
    expect(toProblem(new httpErrors.TooManyRequestsError(17), 't').headers).toEqual({
      'Retry-After': '17',
    });
  });

  it('names the accepted media type on a 415: Accept-Post for POST, Accept-Patch for PATCH', () => {
    const post = new httpErrors.UnsupportedMediaTypeError('text/plain', 'POST');
    const patch = new httpErrors.UnsupportedMediaTypeError('text/plain', 'PATCH');

    expect(toProblem(post, 't').headers).toEqual({ 'Accept-Post': 'application/json' });
    expect(toProblem(patch, 't').headers).toEqual({ 'Accept-Patch': 'application/json' });
  });

  it('answers a replayed failure as it was first answered, under the first trace id', () => {
    const failure = new errors.PaymentDeclinedError(orderId(5), 'card_declined');

    const replay = toProblem(new errors.ReplayedFailure(failure, 'first-trace'), 'second-trace');

    const first = toProblem(failure, 'first-trace');
    expect(replay.status).toBe(402);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers).toEqual({ ...first.headers, 'Idempotent-Replayed': 'true' });
  });
});
