import {
  DomainError,
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
  ReplayedFailure,
  SagaFinishedError,
  SagaNotFoundError,
  SagaNotParkedError,
  DatabaseUnavailableError,
  UnknownProductsError,
  ValidationError,
} from '../domain/errors.js';
import {
  HttpError,
  MalformedJsonError,
  PayloadTooLargeError,
  RouteNotFoundError,
  ServiceStartingError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './http-errors.js';

export type ProblemBody = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  traceId: string;
  errors?: readonly { path: string; message: string }[];
  [extension: string]: unknown;
};

export type Problem = { status: number; body: ProblemBody; headers: Record<string, string> };

type Rule = { status: number; title: string };

/** What a problem is made from: a use case's failure, or a refusal only HTTP knows. */
type Failure = DomainError | HttpError;

/** Error class → HTTP status and title: the one place that decides it. */
const rules = new Map<abstract new (...args: never[]) => Failure, Rule>([
  [ValidationError, { status: 400, title: 'Invalid request' }],
  [MalformedJsonError, { status: 400, title: 'Malformed JSON' }],
  [UnauthorizedError, { status: 401, title: 'Unauthorized' }],
  [PaymentDeclinedError, { status: 402, title: 'Payment declined' }],
  [ForbiddenError, { status: 403, title: 'Forbidden' }],
  [OrderNotFoundError, { status: 404, title: 'Order not found' }],
  [RouteNotFoundError, { status: 404, title: 'Not found' }],
  [SagaNotFoundError, { status: 404, title: 'Saga not found' }],
  [SagaFinishedError, { status: 409, title: 'Saga finished' }],
  [SagaNotParkedError, { status: 409, title: 'Saga not waiting for an admin' }],
  [InsufficientStockError, { status: 409, title: 'Not enough stock' }],
  [IllegalTransitionError, { status: 409, title: 'Status change not allowed' }],
  [IdempotencyKeyInFlightError, { status: 409, title: 'Request in progress' }],
  [PreconditionFailedError, { status: 412, title: 'Precondition failed' }],
  [PayloadTooLargeError, { status: 413, title: 'Payload too large' }],
  [UnsupportedMediaTypeError, { status: 415, title: 'Unsupported media type' }],
  [UnknownProductsError, { status: 422, title: 'Unknown products' }],
  [IdempotencyKeyReusedError, { status: 422, title: 'Idempotency-Key reused' }],
  [TooManyRequestsError, { status: 429, title: 'Too many requests' }],
  [ProductServiceUnavailableError, { status: 503, title: 'Product Service unavailable' }],
  [PaymentServiceError, { status: 502, title: 'Payment Service error' }],
  [ServiceStartingError, { status: 503, title: 'Service starting' }],
  [DatabaseUnavailableError, { status: 503, title: 'Database unavailable' }],
]);

export const problemTypeBase = '/problems/';

const internalErrorDetail =
  'The service could not complete the request. It is logged under this traceId; quote it when you report it.';

/**
 * Anything not in the table is a 500 whose detail is fixed: the error's own message can carry SQL
 * or host names, so it goes to the log (under the trace id), never to the client.
 */
export function toProblem(error: unknown, traceId: string): Problem {
  if (error instanceof ReplayedFailure) {
    const first = toProblem(error.failure, error.traceId);
    return { ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } };
  }
  const failure = error instanceof DomainError || error instanceof HttpError ? error : undefined;
  const rule = failure === undefined ? undefined : ruleOf(failure);
  if (failure === undefined || rule === undefined) {
    return {
      status: 500,
      headers: {},
      body: {
        type: `${problemTypeBase}internal-error`,
        title: 'An unexpected error occurred.',
        status: 500,
        detail: internalErrorDetail,
        traceId,
      },
    };
  }
  const body: ProblemBody = {
    type: `${problemTypeBase}${failure.type}`,
    title: rule.title,
    status: rule.status,
    detail: failure.message,
    traceId,
    ...extensionsOf(failure),
  };
  return { status: rule.status, body, headers: headersOf(failure) };
}

function ruleOf(error: Failure): Rule | undefined {
  for (const [errorClass, rule] of rules) if (error instanceof errorClass) return rule;
  return undefined;
}

function extensionsOf(error: Failure): Record<string, unknown> {
  if (error instanceof ValidationError) return { errors: error.errors };
  if (error instanceof UnknownProductsError) {
    return {
      productIds: error.productIds,
      ...(error.orderId === undefined ? {} : { orderId: error.orderId }),
    };
  }
  if (error instanceof InsufficientStockError) {
    return {
      productIds: error.productIds,
      ...(error.orderId === undefined ? {} : { orderId: error.orderId }),
    };
  }
  if (error instanceof PaymentDeclinedError)
    return { orderId: error.orderId, reason: error.reason };
  if (error instanceof PaymentServiceError) return { orderId: error.orderId };
  if (error instanceof IllegalTransitionError) {
    return {
      currentStatus: error.currentStatus,
      requestedStatus: error.requestedStatus,
      allowedStatuses: error.allowedStatuses,
    };
  }
  if (error instanceof PreconditionFailedError) return { currentVersion: error.currentVersion };
  return {};
}

function headersOf(error: Failure): Record<string, string> {
  if (error instanceof UnauthorizedError) return { 'WWW-Authenticate': 'Bearer' };
  if (error instanceof UnsupportedMediaTypeError) {
    return { [error.method === 'PATCH' ? 'Accept-Patch' : 'Accept-Post']: 'application/json' };
  }
  if (
    error instanceof ProductServiceUnavailableError ||
    error instanceof ServiceStartingError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof TooManyRequestsError
  ) {
    return { 'Retry-After': String(error.retryAfterSeconds) };
  }
  return {};
}
