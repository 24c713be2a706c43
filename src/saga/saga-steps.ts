import { formatCents } from '../domain/money.js';
import type { Order, OrderItem } from '../domain/order.js';
import type { SagaAction } from '../domain/order-saga.js';
import type { PeerStepEntry, StockOutcome } from '../domain/saga-log.js';
import { renewSagaLease } from '../db/saga-lease-repository.js';
import type { SagaLease } from '../db/saga-log-repository.js';
import type { Saga } from '../db/saga-row.js';
import type { CallContext } from '../peers/peer-http.js';
import { chargeKey, refundKey, stockDecreaseKey, stockIncreaseKey } from '../peers/peer-keys.js';
import type { SagaDeps } from './saga-deps.js';

export type PeerAction = Extract<
  SagaAction,
  { kind: 'decrease-stock' | 'increase-stock' | 'charge' | 'refund' }
>;

/**
 * Performs one peer step and says what the peer answered, as the log records it. Every call
 * carries the key of its order and step, so sending it again gets the peer's first answer.
 */
export async function performStep(
  deps: SagaDeps,
  lease: SagaLease,
  run: { order: Order; saga: Saga; ctx: CallContext },
  action: PeerAction,
): Promise<PeerStepEntry> {
  return whileHoldingLease(deps, lease, async () => {
    const { order, ctx } = run;
    switch (action.kind) {
      case 'decrease-stock':
      case 'increase-stock':
        return { step: action.kind, ...(await changeStock(deps, order, action, ctx)) };
      case 'charge': {
        const result = await deps.payments.charge(
          {
            orderId: order.id,
            userId: order.userId,
            amountCents: order.totalCents,
            currency: order.currency,
            paymentMethod: run.saga.paymentMethod ?? undefined,
            idempotencyKey: chargeKey(order.id),
          },
          ctx,
        );
        switch (result.kind) {
          case 'charged':
            return { step: 'charge', outcome: 'charged', paymentId: result.paymentId };
          case 'declined':
            return { step: 'charge', outcome: 'declined', reason: result.reason };
          case 'wrong-amount':
            return {
              step: 'charge',
              outcome: 'wrong-amount',
              paymentId: result.paymentId,
              chargedAmount: formatCents(result.chargedCents),
            };
          case 'rejected':
            return { step: 'charge', outcome: 'rejected', status: result.status };
          case 'unknown':
            // peer-services.md: 5xx or timeout on a charge = outcome unknown; retry, same key.
            return { step: 'charge', outcome: 'unknown' };
        }
        break;
      }
      case 'refund': {
        const result = await deps.payments.refund(
          {
            paymentId: action.paymentId,
            amountCents: action.amountCents,
            reason: action.reason,
            idempotencyKey: refundKey(order.id),
          },
          ctx,
        );
        return result.kind === 'rejected'
          ? { step: 'refund', outcome: 'rejected', status: result.status }
          : { step: 'refund', outcome: result.kind };
      }
    }
  });
}

/**
 * All items at once: the calls are independent, each idempotent by its own key. `status`: the
 * HTTP status of a refused item's answer (what a parked saga shows).
 */
async function changeStock(
  deps: SagaDeps,
  order: Order,
  { kind: direction, items }: Extract<PeerAction, { items: readonly OrderItem[] }>,
  ctx: CallContext,
): Promise<{ items: Record<string, StockOutcome>; status?: number }> {
  const results = await Promise.all(
    items.map(async ({ productId, quantity }) => {
      const change = { productId, quantity, orderId: order.id };
      const result =
        direction === 'decrease-stock'
          ? await deps.products.decreaseStock(
              { ...change, idempotencyKey: stockDecreaseKey(order.id, productId) },
              ctx,
            )
          : await deps.products.increaseStock(
              { ...change, idempotencyKey: stockIncreaseKey(order.id, productId) },
              ctx,
            );
      return [String(productId), result] as const;
    }),
  );
  const refused = results.find(([, result]) => result.kind === 'rejected')?.[1];
  return {
    items: Object.fromEntries(results.map(([id, result]) => [id, result.kind] as const)),
    ...(refused?.kind === 'rejected' ? { status: refused.status } : {}),
  };
}

/**
 * Renews the lease every third of its length while `work` (peer calls, bounded by their own
 * timeouts) runs, so a slow peer never lets another replica take over a live saga. A renewal
 * that finds the lease gone changes nothing: the saga's next write is refused (fencing).
 */
async function whileHoldingLease<T>(
  deps: SagaDeps,
  lease: SagaLease,
  work: () => Promise<T>,
): Promise<T> {
  const heartbeat = setInterval(
    () => {
      renewSagaLease(deps.pool, lease).catch((error: unknown) => {
        deps.logger.warn('saga lease renewal failed', { sagaId: lease.sagaId, error });
      });
    },
    (lease.leaseSeconds * 1000) / 3,
  );
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}
