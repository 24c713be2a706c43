import { z } from 'zod';

/**
 * peer-services.md amounts: a decimal string with exactly two fractional digits, parsed to
 * integer cents by dropping the dot — never through a float ("0.29" * 100 is 28.999999999999996).
 */
export const amountTextSchema = z.string().regex(/^\d+\.\d{2}$/);

export const amountSchema = amountTextSchema
  .transform((amount) => Number(amount.replace('.', '')))
  .pipe(z.int().nonnegative());

export const positiveAmountSchema = amountSchema.pipe(z.int().positive());

/** A price given as a JSON number: only one a decimal string with two digits could also say. */
export const priceNumberSchema = z
  .number()
  .nonnegative()
  .refine((price) => /^\d+(\.\d{1,2})?$/.test(String(price)));

export function formatCents(cents: number): string {
  const digits = String(cents).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
