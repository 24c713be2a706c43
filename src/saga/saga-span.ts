import type { Span } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { Saga } from '../db/saga-row.js';
import { inSpan } from '../observability/tracing-spans.js';
import type { SagaRunResult } from './saga-deps.js';
import { LeaseLostError } from './saga-deps.js';

const tracer = trace.getTracer('order-service/saga');

/**
 * One span per step, named once the step is known (`saga charge`), with the order, saga, step
 * and outcome as attributes; a throw (lease lost, a fault) is recorded on it as an error.
 */
export function inStepSpan(
  saga: Saga,
  work: (span: Span) => Promise<SagaRunResult | 'continue'>,
): Promise<SagaRunResult | 'continue'> {
  const attributes = { 'order.id': saga.orderId, 'saga.id': saga.id, 'saga.kind': saga.kind };
  return inSpan(tracer, 'saga step', { attributes }, async (span) => {
    span.setAttribute('saga.attempt', saga.attempts + 1);
    try {
      return await work(span);
    } catch (error) {
      span.setAttribute('saga.outcome', error instanceof LeaseLostError ? 'lease-lost' : 'error');
      throw error;
    }
  });
}
