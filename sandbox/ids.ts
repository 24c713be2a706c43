import { z } from 'zod';

export const idSchema = z.int().positive();

/** A positive id written in a path segment or query string. */
export const idTextSchema = z
  .string()
  .regex(/^[1-9]\d{0,15}$/)
  .transform(Number)
  .pipe(idSchema);

export function idFromText(text: unknown): number | undefined {
  const parsed = idTextSchema.safeParse(text);
  return parsed.success ? parsed.data : undefined;
}

const bodyWithOrderId = z.object({ orderId: idSchema });

/** The order id of a body not yet validated, so that even a rejected call can be matched. */
export function orderIdOf(body: unknown): number | undefined {
  const parsed = bodyWithOrderId.safeParse(body);
  return parsed.success ? parsed.data.orderId : undefined;
}
