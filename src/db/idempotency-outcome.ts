import { z } from 'zod';
import type { OrderId, ProductId } from '../domain/ids.js';
import { orderId, productId, userId } from '../domain/ids.js';
import { cents, parseMoney } from '../domain/money.js';
import type { Order } from '../domain/order.js';
import { orderStatuses } from '../domain/order-status.js';

/** What a create answered, kept so that a retry with the same Idempotency-Key gets the same. */
export type RecordedOutcome =
  /** Answered with the order as it was then: paid, or settled another way while it waited. */
  | { kind: 'paid' | 'settled'; order: Order }
  /** Answered while the saga went on: a retry shows the order as it is now. */
  | { kind: 'accepted' }
  /** Refused after the order was stored; `traceId` is the first answer's. */
  | { kind: 'refused'; failure: RecordedFailure; traceId: string };

/** A failure found after the order was stored, by its problem type slug. */
export type RecordedFailure =
  | { type: 'payment-declined'; orderId: OrderId; reason: string }
  | { type: 'payment-service-error'; orderId: OrderId }
  | {
      type: 'insufficient-stock' | 'unknown-products';
      orderId: OrderId;
      productIds: readonly ProductId[];
    };

const id = z.number().int().positive();
const timestamp = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const shippingAddress = z.object({
  name: z.string().optional(),
  street: z.string(),
  city: z.string(),
  state: z.string().optional(),
  postalCode: z.string(),
  country: z.string(),
});

/** The order as recorded: the domain's Order in JSON (timestamps as ISO text). */
const recordedOrder = z
  .object({
    id,
    userId: id,
    status: z.enum(orderStatuses),
    totalCents: z.number(),
    currency: z.string(),
    shippingAddress,
    items: z.array(z.object({ productId: id, quantity: id, priceCents: z.number() })),
    paymentId: z.string().nullable(),
    version: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .transform((order): Order => ({
    ...order,
    id: orderId(order.id),
    userId: userId(order.userId),
    totalCents: cents(order.totalCents),
    items: order.items.map((item) => ({
      productId: productId(item.productId),
      quantity: item.quantity,
      priceCents: cents(item.priceCents),
    })),
  }));

const recordedFailure = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('payment-declined'), orderId: id, reason: z.string() }),
    z.object({ type: z.literal('payment-service-error'), orderId: id }),
    z.object({
      type: z.enum(['insufficient-stock', 'unknown-products']),
      orderId: id,
      productIds: z.array(id),
    }),
  ])
  .transform((failure) => ({
    ...failure,
    orderId: orderId(failure.orderId),
    ...('productIds' in failure ? { productIds: failure.productIds.map(productId) } : {}),
  })) as z.ZodType<RecordedFailure>;

const recordedOutcome: z.ZodType<RecordedOutcome> = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['paid', 'settled']), order: recordedOrder }),
  z.object({ kind: z.literal('accepted') }),
  z.object({ kind: z.literal('refused'), failure: recordedFailure, traceId: z.string() }),
]);

/** The outcome of a row: its `outcome`, or for a row written before it, its HTTP answer. */
export function outcomeOfRow(row: {
  outcome: unknown;
  response_status: number | null;
  response_body: unknown;
}): RecordedOutcome | null {
  if (row.outcome !== null) return recordedOutcome.parse(row.outcome);
  if (row.response_status === null) return null;
  return outcomeOfAnswer(row.response_status, row.response_body);
}

/**
 * Rows written before migration 0008 hold the HTTP answer: the order resource (money as decimal
 * text) or a problem. Both are read back into the outcome they were made from; an answer that
 * reads as neither counts as none (a retry is then shown the order as it is now).
 */
function outcomeOfAnswer(status: number, body: unknown): RecordedOutcome | null {
  if (status === 202) return { kind: 'accepted' };
  if (status === 201 || status === 200) {
    const order = answeredOrder.safeParse(body);
    if (!order.success) return null;
    return { kind: status === 201 ? 'paid' : 'settled', order: order.data };
  }
  const problem = answeredProblem.safeParse(body);
  if (!problem.success) return null;
  const { type, traceId, ...members } = problem.data;
  const failure = recordedFailure.safeParse({ type: type.replace('/problems/', ''), ...members });
  return failure.success ? { kind: 'refused', failure: failure.data, traceId } : null;
}

const money = z.string().transform((text) => parseMoney(text));

/** The order resource of order-api.md, as orders-routes answered it before 0008. */
const answeredOrder = z
  .object({
    id,
    userId: id,
    status: z.enum(orderStatuses),
    totalAmount: money,
    currency: z.string(),
    shippingAddress,
    items: z.array(z.object({ productId: id, quantity: id, price: money })),
    paymentId: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .transform(({ totalAmount, items, ...order }) =>
    recordedOrder.parse({
      ...order,
      totalCents: totalAmount,
      items: items.map(({ price, ...item }) => ({ ...item, priceCents: price })),
    }),
  );

const answeredProblem = z.object({
  type: z.string(),
  traceId: z.string(),
  orderId: id,
  productIds: z.array(id).optional(),
  reason: z.string().optional(),
});
