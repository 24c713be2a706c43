import { describe, expect, it } from 'vitest';
import { configErrorOf, peers } from './config-test-environments.js';

describe('loadConfig', () => {
  it.each([['abc'], ['-1'], ['70000'], ['80.5']])('refuses PORT=%s, naming PORT', (port) => {
    const error = configErrorOf({ PORT: port });

    expect(error.message).toContain('PORT');
  });

  it.each([
    ['PEER_TIMEOUT_MS', 'soon'],
    ['PEER_MAX_ATTEMPTS', '0'],
    ['SAGA_DEADLINE_MS', '-5'],
    ['CURRENCY', 'dollars'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://db/orders'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const error = configErrorOf({ [name]: value });

    expect(error.message).toContain(name);
  });

  it.each([
    [{ PRODUCT_SERVICE_URL: peers.PRODUCT_SERVICE_URL }],
    [
      {
        PRODUCT_SERVICE_URL: peers.PRODUCT_SERVICE_URL,
        PAYMENT_SERVICE_URL: peers.PAYMENT_SERVICE_URL,
      },
    ],
    [{ NOTIFICATION_SERVICE_URL: peers.NOTIFICATION_SERVICE_URL }],
  ])('refuses a partial set of peer URLs %o', (partial) => {
    const error = configErrorOf(partial);

    expect(error.message).toContain('PRODUCT_SERVICE_URL');
    expect(error.message).toContain('PAYMENT_SERVICE_URL');
    expect(error.message).toContain('NOTIFICATION_SERVICE_URL');
  });

  it('refuses a peer URL that is not a URL, naming it', () => {
    const error = configErrorOf({ ...peers, PAYMENT_SERVICE_URL: 'payments:3002' });

    expect(error.message).toContain('PAYMENT_SERVICE_URL');
  });

  it.each([
    ['RATE_LIMIT_ORDERS_PER_MINUTE', '0'],
    ['RATE_LIMIT_ORDERS_PER_MINUTE', 'lots'],
    ['REDIS_URL', 'http://cache.internal:6379'],
    ['RETENTION_ENABLED', 'no'],
    ['RETENTION_INTERVAL_MS', '0'],
    ['RETENTION_SAGAS_DAYS', '0'],
    ['RETENTION_SAGAS_DAYS', 'forever'],
    ['RETENTION_OUTBOX_DAYS', '-7'],
  ])('refuses %s=%j, naming it', (name, value) => {
    expect(configErrorOf({ [name]: value }).message).toContain(name);
  });

  it('names every bad variable at once', () => {
    const error = configErrorOf({ PORT: 'abc', CURRENCY: 'usd' });

    expect(error.message).toContain('PORT');
    expect(error.message).toContain('CURRENCY');
  });
});
