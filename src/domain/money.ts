/**
 * Money is integer cents everywhere in the code. This module is the only place that converts
 * between the contract's decimal strings ("19.99") and cents, by string arithmetic: 19.99 * 100
 * is 1998.9999999999998 in floating point.
 */
export type Cents = number & { readonly __brand: 'Cents' };

const MAX_CENTS = Number.MAX_SAFE_INTEGER;

export function cents(value: number): Cents {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_CENTS) {
    throw new RangeError(`not a non-negative whole number of cents: ${String(value)}`);
  }
  return value as Cents;
}

const decimalPattern = /^(\d{1,15})(?:\.(\d{1,2}))?$/;

/** Parses "29.99", "29.9", "29" (or the JSON number 29.99 via its shortest decimal text) into cents. */
export function parseMoney(value: string | number): Cents {
  const text = typeof value === 'number' ? numberToDecimalText(value) : value.trim();
  const match = decimalPattern.exec(text);
  if (!match) throw new RangeError(`not a money amount with at most two decimals: ${text}`);
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return cents(Number(whole) * 100 + Number(fraction));
}

/** JavaScript prints a number as the shortest decimal text that round-trips: 0.1 → "0.1". */
function numberToDecimalText(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a money amount: ${value}`);
  const text = String(value);
  if (text.includes('e')) throw new RangeError(`not a money amount: ${text}`);
  return text;
}

export function formatCents(amount: Cents): string {
  const whole = Math.trunc(amount / 100);
  const fraction = amount % 100;
  return `${String(whole)}.${String(fraction).padStart(2, '0')}`;
}

export function multiplyCents(unitPrice: Cents, quantity: number): Cents {
  return cents(unitPrice * quantity);
}

export function sumCents(amounts: readonly Cents[]): Cents {
  return cents(amounts.reduce((total, amount) => total + amount, 0));
}
