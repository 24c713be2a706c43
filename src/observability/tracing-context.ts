import type { SpanContext } from '@opentelemetry/api';
import { TraceFlags, isSpanContextValid, trace } from '@opentelemetry/api';

// W3C Trace Context: version-traceid-parentid-flags (the same check as migration 0003).
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let isRequestContextOurs = false;

/**
 * Set by tracing.ts when the SDK runs without the http instrumentation (nothing is exported):
 * then http/request-context.ts continues each caller's trace itself.
 */
export function continueRequestTracesInMiddleware(): void {
  isRequestContextOurs = true;
}

export const isRequestTraceContinuedInMiddleware = (): boolean => isRequestContextOurs;

/** Trace and span id of the active span; undefined outside a span or with tracing disabled. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * The active span as a W3C `traceparent`, to store with work that outlives the request (saga and
 * outbox rows) so the trace that later runs it can link back. Written here rather than through the
 * configured propagator: the stored form must stay `traceparent` whatever OTEL_PROPAGATORS says.
 */
export function activeTraceparent(): string | null {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The span context a stored `traceparent` names, as a remote parent; undefined when unusable. */
export function spanContextOf(traceparent: string | null): SpanContext | undefined {
  const match = traceparent === null ? null : traceparentPattern.exec(traceparent);
  if (match === null) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}
