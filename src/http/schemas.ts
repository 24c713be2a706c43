import { z } from 'zod';
import { orderStatuses } from '../domain/order-status.js';

/** Request and response schemas of order-api.md; /openapi.json is generated from them. */
// order-api.md gives lengths only; a blank street is the shop's to refuse, not ours.
const text = (min: number, max: number) => z.string().min(min).max(max);

const positiveId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const shippingAddressSchema = z
  .strictObject({
    name: z.string().max(200).optional(),
    street: text(1, 200),
    city: text(1, 100),
    state: z.string().max(100).optional(),
    postalCode: text(1, 20),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in upper case'),
  })
  .meta({ id: 'ShippingAddress' });

export const placeOrderBody = z
  .strictObject({
    items: z
      .array(
        z.strictObject({
          productId: positiveId,
          quantity: z.number().int().min(1).max(1000),
        }),
      )
      .min(1)
      .max(50)
      .superRefine((items, ctx) => {
        const seen = new Set<number>();
        items.forEach((item, index) => {
          if (seen.has(item.productId)) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'productId'],
              message: `productId ${item.productId} appears more than once`,
            });
          }
          seen.add(item.productId);
        });
      }),
    shippingAddress: shippingAddressSchema,
    paymentMethod: z.string().min(1).max(100).optional(),
  })
  .meta({ id: 'PlaceOrderRequest' });

export const changeStatusBody = z
  .strictObject({
    status: z.enum(orderStatuses),
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'ChangeStatusRequest' });

export const cancelBody = z
  .strictObject({ reason: z.string().max(500).optional() })
  .meta({ id: 'CancelRequest' });

export const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const listOrdersQuery = z.strictObject({
  page: queryInteger(1, Number.MAX_SAFE_INTEGER / 100).default(1),
  limit: queryInteger(1, 100).default(20),
  status: z.enum(orderStatuses).optional(),
  userId: queryInteger(1, Number.MAX_SAFE_INTEGER).optional(),
});

export const idParam = z.strictObject({
  id: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(positiveId),
});

/** 1–255 visible ASCII characters. */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters');

/** `"3"`, `W/"3"` or `3`; `*` matches any version. */
export const ifMatchHeader = z
  .string()
  .regex(/^\s*(\*|(W\/)?"?\d{1,9}"?)\s*$/, 'must be a quoted order version such as "3"')
  .transform((value) => {
    const digits = /\d+/.exec(value);
    return digits === null ? undefined : Number(digits[0]);
  });

const money = z
  .string()
  .regex(/^\d+\.\d{2}$/)
  .meta({ example: '59.98' });
const timestamp = z.string().meta({ format: 'date-time', example: '2026-11-24T10:00:00.000Z' });

export const orderSchema = z
  .object({
    id: positiveId,
    userId: positiveId,
    status: z.enum(orderStatuses),
    totalAmount: money,
    currency: z.string().regex(/^[A-Z]{3}$/),
    shippingAddress: shippingAddressSchema,
    items: z.array(z.object({ productId: positiveId, quantity: z.number().int(), price: money })),
    paymentId: z.string().nullable(),
    version: z.number().int().min(1),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Order' });

export const orderPageSchema = z
  .object({
    data: z.array(orderSchema),
    pagination: z.object({
      page: z.number().int(),
      limit: z.number().int(),
      total: z.number().int(),
      totalPages: z.number().int(),
    }),
  })
  .meta({ id: 'OrderPage' });

export const historySchema = z
  .object({
    data: z.array(
      z.object({
        from: z.enum(orderStatuses).nullable(),
        to: z.enum(orderStatuses),
        actor: z.string().meta({ example: 'user:42' }),
        reason: z.string().nullable(),
        at: timestamp,
      }),
    ),
  })
  .meta({ id: 'OrderHistory' });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    traceId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });
