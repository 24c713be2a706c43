import type { z } from 'zod';

/** Answered as 400 `{ error: 'bad_request' }` by the error middleware of every sandbox service. */
export class BadRequestError extends Error {
  readonly type = 'bad_request';
}

export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequestError(parsed.error.message);
  return parsed.data;
}
