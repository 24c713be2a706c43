import { z } from 'zod';
import { orderStatuses } from '../domain/order-status.js';
import { orderCursor } from './order-cursor.js';

/** Request and response schemas of order-api.md; /openapi.json is generated from them. */

// A NUL, or half of a UTF-16 surrogate pair, cannot be stored: PostgreSQL refuses the NUL (a 500
// before this check) and the driver turns the lone half into U+FFFD (stored, silently altered).
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isStorable = (value: string) => !value.includes('\u0000') && !loneSurrogate.test(value);

/** Free text: any Unicode PostgreSQL stores as sent. */
const storableText = () =>
  z.string().refine(isStorable, 'must not contain NUL or a lone UTF-16 surrogate');

// order-api.md gives lengths only; a blank street is the shop's to refuse, not ours.
const text = (min: number, max: number) => storableText().min(min).max(max);

const positiveId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const shippingAddressSchema = z
  .strictObject({
    name: storableText().max(200).optional(),
    street: text(1, 200),
    city: text(1, 100),
    state: storableText().max(100).optional(),
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
    paymentMethod: text(1, 100).optional(),
  })
  .meta({ id: 'PlaceOrderRequest' });

export const changeStatusBody = z
  .strictObject({
    status: z.enum(orderStatuses),
    reason: storableText().max(500).optional(),
  })
  .meta({ id: 'ChangeStatusRequest' });

export const cancelBody = z
  .strictObject({ reason: storableText().max(500).optional() })
  .meta({ id: 'CancelRequest' });

/** An admin's retry of a saga: why, for the saga's log (optional). */
export const retrySagaBody = z
  .strictObject({ reason: storableText().min(1).max(500).optional() })
  .meta({ id: 'RetrySagaRequest' });

/** An admin's resolve of a parked saga: why, for the saga's log and the order's history. */
export const resolveSagaBody = z
  .strictObject({ reason: storableText().min(1).max(500) })
  .meta({ id: 'ResolveSagaRequest' });

export const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * An ISO 8601 date-time with `Z` or a `±hh:mm` offset, to the millisecond at most (a Date keeps
 * no more, and silently dropping digits would move a bound). A `+` must be sent as `%2B`.
 */
export const queryDateTime = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-24T10:00:00Z',
  })
  .refine((value) => !/\.\d{4}/.test(value), 'must have at most millisecond precision')
  .transform((value) => new Date(value));

export const listOrdersQuery = z
  .strictObject({
    page: queryInteger(1, Number.MAX_SAFE_INTEGER / 100).default(1),
    limit: queryInteger(1, 100).default(20),
    status: z.enum(orderStatuses).optional(),
    userId: queryInteger(1, Number.MAX_SAFE_INTEGER).optional(),
    createdFrom: queryDateTime.optional(),
    createdTo: queryDateTime.optional(),
    after: orderCursor.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.after !== undefined && query.page > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['page'],
        message: 'cannot be combined with after: the cursor already says where the page starts',
      });
    }
    if (
      query.createdFrom !== undefined &&
      query.createdTo !== undefined &&
      query.createdFrom >= query.createdTo
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['createdTo'],
        message: 'must be later than createdFrom (createdFrom is inclusive, createdTo exclusive)',
      });
    }
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

// Response schemas are strict too: /openapi.json then states every key a response may carry
// (additionalProperties: false), and test/security/api3-property-level.test.ts holds the
// responses to exactly that, so nothing internal is exposed by accident.
export const orderSchema = z
  .strictObject({
    id: positiveId,
    userId: positiveId,
    status: z.enum(orderStatuses),
    totalAmount: money,
    currency: z.string().regex(/^[A-Z]{3}$/),
    shippingAddress: shippingAddressSchema,
    items: z.array(
      z.strictObject({ productId: positiveId, quantity: z.number().int(), price: money }),
    ),
    paymentId: z.string().nullable(),
    version: z.number().int().min(1),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Order' });

export const orderPageSchema = z
  .strictObject({
    data: z.array(orderSchema),
    pagination: z.strictObject({
      page: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'The page asked for; null only in cursor mode (with `after`).' }),
      limit: z.number().int(),
      total: z.number().int().nullable().meta({
        description:
          'Orders matching the filters, all pages together; null only in cursor mode, which counts nothing so a deep page costs no more than the first.',
      }),
      totalPages: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'ceil(total / limit); null only in cursor mode.' }),
      nextCursor: z.string().nullable().meta({
        description:
          'Pass as `after`, with the same filters and limit, for the orders that follow this page; null when none follow. Opaque: it holds a position (createdAt, id) only.',
        example: 'MjAyNi0xMS0yNFQxMDowMDowMC4xMjM0NTZafDE3',
      }),
    }),
  })
  .meta({ id: 'OrderPage' });

export const historySchema = z
  .strictObject({
    data: z.array(
      z.strictObject({
        from: z.enum(orderStatuses).nullable(),
        to: z.enum(orderStatuses),
        actor: z.string().meta({ example: 'user:42' }),
        reason: z.string().nullable(),
        at: timestamp,
      }),
    ),
  })
  .meta({ id: 'OrderHistory' });

/** The extension members are those of docs/problems.md, each carried by the types named there. */
export const problemSchema = z
  .strictObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    traceId: z.string(),
    errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
    productIds: z
      .array(positiveId)
      .optional()
      .meta({ description: 'unknown-products, insufficient-stock' }),
    orderId: positiveId.optional().meta({
      description:
        'payment-declined, payment-error; insufficient-stock and unknown-products once the order was stored',
    }),
    reason: z.string().optional().meta({ description: 'payment-declined' }),
    currentStatus: z.enum(orderStatuses).optional().meta({ description: 'illegal-transition' }),
    requestedStatus: z.enum(orderStatuses).optional().meta({ description: 'illegal-transition' }),
    allowedStatuses: z
      .array(z.enum(orderStatuses))
      .optional()
      .meta({ description: 'illegal-transition' }),
    currentVersion: z.number().int().optional().meta({ description: 'precondition-failed' }),
  })
  .meta({ id: 'Problem' });
