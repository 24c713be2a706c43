import { describe, expect, it } from 'vitest';
import { orderId, productId } from '../domain/ids.js';
import {
  chargeKey,
  notificationKey,
  refundKey,
  stockDecreaseKey,
  stockIncreaseKey,
} from './peer-keys.js';

describe('Idempotency-Key builders', () => {
  const order = orderId(17);

  it('derive each key from the order and step only', () => {
    expect(stockDecreaseKey(order, productId(3))).toBe('order-17-stock-decrease-3');
    expect(stockIncreaseKey(order, productId(3))).toBe('order-17-stock-increase-3');
    expect(chargeKey(order)).toBe('order-17-payment');
    expect(refundKey(order)).toBe('order-17-refund');
    expect(notificationKey(order, 'evt-9')).toBe('order-17-notify-evt-9');
    expect(notificationKey(order, 5)).toBe('order-17-notify-5');
  });

  it('give each step of one order its own key', () => {
    const keys = [
      stockDecreaseKey(order, productId(3)),
      stockIncreaseKey(order, productId(3)),
      stockDecreaseKey(order, productId(4)),
      chargeKey(order),
      refundKey(order),
      notificationKey(order, 1),
    ];

    expect(new Set(keys).size).toBe(keys.length);
  });
});
