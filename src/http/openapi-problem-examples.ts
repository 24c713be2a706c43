import {
  DatabaseUnavailableError,
  ForbiddenError,
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  InsufficientStockError,
  OrderNotFoundError,
  PaymentDeclinedError,
  PaymentServiceError,
  PreconditionFailedError,
  ProductServiceUnavailableError,
  SagaFinishedError,
  SagaNotFoundError,
  SagaNotParkedError,
  UnknownProductsError,
  ValidationError,
} from '../domain/errors.js';
import { orderId, productId } from '../domain/ids.js';
import { unreadableRequestError } from './client-error.js';
import {
  MalformedJsonError,
  PayloadTooLargeError,
  RouteNotFoundError,
  ServiceStartingError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './http-errors.js';
import {
  problem,
  problemWithRetryAfter,
  unauthorizedProblem,
  type Examples,
} from './openapi-components.js';
import { toProblem } from './problem.js';

// Each example is what toProblem answers for the error the service throws in that case, so its
// type, title and status are those of docs/problems.md by construction (src/http/problem.test.ts).
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const example = (summary: string, error: unknown) => ({
  summary,
  value: toProblem(error, traceId).body,
});
const invalid = (where: string, errors: { path: string; message: string }[]) =>
  new ValidationError(errors, `The request ${where} is not valid.`);

/** One example of every problem the operations answer, named for what happened. */
export const problemExamples = {
  invalidOrderBody: example(
    'A quantity below 1 and a lower-case country',
    invalid('body', [
      { path: 'items.0.quantity', message: 'Too small: expected number to be >=1' },
      {
        path: 'shippingAddress.country',
        message: 'must be an ISO 3166-1 alpha-2 code in upper case',
      },
    ]),
  ),
  malformedJson: example('A body that is not JSON', new MalformedJsonError()),
  invalidQuery: example(
    'A limit above 100',
    invalid('query', [{ path: 'limit', message: 'Too big: expected number to be <=100' }]),
  ),
  invalidId: example(
    'A path id that is not a positive integer',
    new ValidationError(
      [{ path: 'id', message: 'must be a positive integer' }],
      'The path parameter is not valid.',
    ),
  ),
  invalidStatus: example(
    'A status that does not exist',
    invalid('body', [
      {
        path: 'status',
        message:
          'Invalid option: expected one of "pending"|"paid"|"processing"|"shipped"|"delivered"|"cancelled"|"failed"',
      },
    ]),
  ),
  invalidReason: example(
    'A resolve without a reason',
    invalid('body', [
      { path: 'reason', message: 'Invalid input: expected string, received undefined' },
    ]),
  ),
  unreadableRequest: example('A header holding a control character', unreadableRequestError(true)),
  unauthorized: example('No bearer token, or one that does not verify', new UnauthorizedError()),
  listOthersForbidden: example(
    "A user asking for another user's orders",
    new ForbiddenError('You may only list your own orders.'),
  ),
  changeStatusForbidden: example(
    'A user changing a status',
    new ForbiddenError('Only an admin may change an order status.'),
  ),
  adminForbidden: example(
    'A user under /api/admin',
    new ForbiddenError('Only an admin may use /api/admin.'),
  ),
  orderNotFound: example("Missing, or another user's order", new OrderNotFoundError(orderId(17))),
  sagaNotFound: example('No saga with this id', new SagaNotFoundError(7)),
  paymentDeclined: example(
    'The card was declined',
    new PaymentDeclinedError(orderId(18), 'card_declined'),
  ),
  insufficientStock: example(
    'Not enough stock for product 1',
    new InsufficientStockError([productId(1)]),
  ),
  keyInFlight: example(
    'The same Idempotency-Key is still running',
    new IdempotencyKeyInFlightError(),
  ),
  illegalTransition: example(
    'A delivered order cannot be cancelled',
    new IllegalTransitionError('delivered', 'cancelled', []),
  ),
  shippedToProcessing: example(
    'A shipped order can only become delivered',
    new IllegalTransitionError('shipped', 'processing', ['delivered']),
  ),
  preconditionFailed: example('If-Match names version 2; it is 3', new PreconditionFailedError(3)),
  payloadTooLarge: example('A body over BODY_LIMIT', new PayloadTooLargeError()),
  routeNotFound: example('A path with nothing at it', new RouteNotFoundError()),
  unsupportedMediaType: example(
    'A form-encoded body',
    new UnsupportedMediaTypeError('application/x-www-form-urlencoded', 'POST'),
  ),
  unknownProducts: example(
    'Product 999 does not exist',
    new UnknownProductsError([productId(999)]),
  ),
  keyReused: example('The same Idempotency-Key with another body', new IdempotencyKeyReusedError()),
  tooManyRequests: example('Too many orders in a minute', new TooManyRequestsError(30)),
  internalError: example('Anything unexpected: nothing about the cause', new Error('hidden')),
  paymentServiceError: example(
    'The Payment Service charged another amount',
    new PaymentServiceError(orderId(19)),
  ),
  productServiceUnavailable: example(
    'The Product Service did not answer',
    new ProductServiceUnavailableError(),
  ),
  serviceStarting: example('Migrations are still running', new ServiceStartingError()),
  databaseUnavailable: example('PostgreSQL is not answering', new DatabaseUnavailableError()),
  sagaFinished: example('The saga has finished', new SagaFinishedError(7)),
  sagaNotParked: example('The saga is not waiting for an admin', new SagaNotParkedError(7)),
};

const { serviceStarting, databaseUnavailable } = problemExamples;

/** The problems every /api operation may answer; `invalid` names this operation's 400s. */
export const commonProblems = (invalid: Examples) => ({
  '400': problem('Invalid path, query, header or body', invalid),
  '401': unauthorizedProblem({ unauthorized: problemExamples.unauthorized }),
  '500': problem('Anything unexpected; logged under the traceId, never described', {
    internalError: problemExamples.internalError,
  }),
  '503': problemWithRetryAfter(
    'The service is starting, or the database is not answering (Retry-After)',
    { serviceStarting, databaseUnavailable },
  ),
});

/** The only problem health, metrics and the docs answer: Node's parser refused the request. */
export const unreadableRequestProblem = {
  '400': problem(
    'The request could not be read as HTTP (a header holds a control character, or the request line is broken); answered before any route',
    { unreadableRequest: problemExamples.unreadableRequest },
  ),
};
