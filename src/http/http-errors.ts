/**
 * Refusals only HTTP knows: the wire (a body that is not JSON, too large, of another media type),
 * the bearer token, the route, the rate limit, a service still applying its migrations. No use
 * case throws these. Each has a stable `type` slug (docs/problems.md); its status lives with the
 * domain's in src/http/problem.ts, the one place that maps a failure to HTTP.
 */
export abstract class HttpError extends Error {
  abstract readonly type: string;
}

export class MalformedJsonError extends HttpError {
  readonly type = 'malformed-json';
  constructor() {
    super('The request body is not valid JSON (UTF-8, application/json).');
  }
}

export class PayloadTooLargeError extends HttpError {
  readonly type = 'payload-too-large';
  constructor() {
    super('The request body is too large.');
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly type = 'unsupported-media-type';
  constructor(
    mediaType: string | undefined,
    /** The method refused: POST answers `Accept-Post`, PATCH `Accept-Patch`. */
    readonly method: string,
  ) {
    super(
      mediaType === undefined
        ? 'The request body must be application/json; it came with no Content-Type.'
        : `The request body must be application/json, not ${mediaType}.`,
    );
  }
}

export class UnauthorizedError extends HttpError {
  readonly type = 'unauthorized';
  constructor(message = 'A valid bearer token is required.') {
    super(message);
  }
}

export class RouteNotFoundError extends HttpError {
  readonly type = 'not-found';
  constructor() {
    super('There is nothing at this path.');
  }
}

export class TooManyRequestsError extends HttpError {
  readonly type = 'too-many-requests';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many orders placed in a short time; try again in ${retryAfterSeconds} s.`);
  }
}

export class ServiceStartingError extends HttpError {
  readonly type = 'service-starting';
  readonly retryAfterSeconds = 2;
  constructor() {
    super('The service is starting; try again shortly.');
  }
}
