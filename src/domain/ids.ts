export type OrderId = number & { readonly __brand: 'OrderId' };
export type UserId = number & { readonly __brand: 'UserId' };
export type ProductId = number & { readonly __brand: 'ProductId' };

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer: ${String(value)}`);
  }
  return value;
}

export const orderId = (value: number): OrderId => positiveInteger(value, 'order id') as OrderId;
export const userId = (value: number): UserId => positiveInteger(value, 'user id') as UserId;
export const productId = (value: number): ProductId =>
  positiveInteger(value, 'product id') as ProductId;
