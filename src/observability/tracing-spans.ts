import type { Attributes, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import { spanContextOf } from './tracing-context.js';

/**
 * Runs `work` with `name` as the active span, so pg queries and peer calls inside nest under it.
 * A throw is recorded on the span (exception event, status ERROR) and rethrown; the span always
 * ends.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Background work (recovery, outbox relay) starts its own trace, linked to the trace that queued
 * it: `traceparent` is what the row stored. A row without one (written before tracing, or with
 * tracing disabled) gets an unlinked trace.
 */
export function inLinkedTrace<T>(
  tracer: Tracer,
  name: string,
  traceparent: string | null,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const queuedBy = spanContextOf(traceparent);
  return inSpan(
    tracer,
    name,
    {
      root: true,
      kind: SpanKind.INTERNAL,
      attributes,
      links: queuedBy === undefined ? [] : [{ context: queuedBy }],
    },
    work,
  );
}

/**
 * Runs `work` outside any span: a background pass kicked from a request must not become part of
 * that request's trace (its own spans link to the traces that queued the work instead).
 */
export const detached = <T>(work: () => T): T => context.with(ROOT_CONTEXT, work);

export function recordError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
