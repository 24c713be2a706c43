import type { Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { OutgoingRequest, PeerName, PeerRequest, PeerResponse } from './peer-http.js';

const tracer = trace.getTracer('order-service/peers');

/**
 * One CLIENT span per attempt, named `<peer> <operation>`: OpenTelemetry's HTTP client attributes
 * plus the peer, operation, attempt and outcome (the HTTP status, or why there was none). global
 * undici is not covered by the http instrumentation, so these spans are the peer calls' only ones.
 */
export function inAttemptSpan(
  call: { peer: PeerName; request: PeerRequest; url: string; attempt: number },
  work: () => Promise<PeerResponse>,
): Promise<PeerResponse> {
  const attributes = {
    'peer.service': call.peer,
    'peer.operation': call.request.operation,
    'peer.attempt': call.attempt,
    'http.request.method': call.request.method,
    'url.full': call.url,
  };
  const options = { kind: SpanKind.CLIENT, attributes };
  return tracer.startActiveSpan(`${call.peer} ${call.request.operation}`, options, async (span) => {
    try {
      const response = await work();
      recordPeerResponse(span, response);
      return response;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

// HTTP client conventions: a 4xx or 5xx answer, or none, is an error of the call.
function recordPeerResponse(span: Span, response: PeerResponse): void {
  span.setAttribute('peer.outcome', statusLabel(response));
  const status = response.kind === 'answered' ? response.status : response.lastStatus;
  if (status !== null) span.setAttribute('http.response.status_code', status);
  if (response.kind === 'no-answer') {
    span.setAttribute('error.type', status === null ? response.reason : String(status));
    span.setStatus({ code: SpanStatusCode.ERROR, message: response.reason });
  } else if (response.status >= 400) {
    span.setAttribute('error.type', String(response.status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** The attempt's span as `traceparent` (W3C, or what OTEL_PROPAGATORS configures). */
export function withTraceContext(init: OutgoingRequest): OutgoingRequest {
  const headers = { ...init.headers };
  propagation.inject(context.active(), headers);
  return { ...init, headers };
}

/** The metric label and span attribute of a call: the HTTP status, or why there was none. */
export function statusLabel(response: PeerResponse): string {
  if (response.kind === 'answered') return String(response.status);
  if (response.lastStatus !== null) return String(response.lastStatus);
  return response.reason;
}
