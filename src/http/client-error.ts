import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ValidationError } from '../domain/errors.js';
import { toProblem } from './problem.js';

/**
 * What Node's HTTP parser refuses before any route sees the request — a header holding a NUL, a
 * bare CR or another control character, a malformed request line — answered as every other
 * error is: a problem+json 400 whose `errors` name the headers (issue 13, point 1), instead of
 * Node's bare `400 Bad Request`. A header section too large stays Node's 431.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node does: a reset connection is dropped, a request that took too long is a 408.
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    return;
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    return;
  }
  const isHeader = /HEADER|LF_EXPECTED|CR_EXPECTED/.test(error.code ?? '');
  const { body } = toProblem(unreadableRequestError(isHeader), randomBytes(16).toString('hex'));
  const json = JSON.stringify(body);
  socket.end(
    'HTTP/1.1 400 Bad Request\r\n' +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${String(Buffer.byteLength(json))}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}

/** The 400 of a request Node's parser refused; /openapi.json shows it on every operation. */
export function unreadableRequestError(isHeader: boolean): ValidationError {
  return new ValidationError(
    [
      isHeader
        ? { path: 'headers', message: 'a header holds a character HTTP does not allow' }
        : { path: 'request', message: 'the request line or framing is not valid HTTP/1.1' },
    ],
    'The request could not be read as HTTP.',
  );
}
