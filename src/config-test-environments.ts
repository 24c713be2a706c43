import { expect } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

/* Environments for the config-*.test.ts files, and the error loadConfig throws for a bad one. */

export const devSecret = 'the-development-secret';
export const strongSecret = 'a-production-secret-of-at-least-32-chars';
export const peers = {
  PRODUCT_SERVICE_URL: 'http://products.internal:3001',
  PAYMENT_SERVICE_URL: 'http://payments.internal:3002',
  NOTIFICATION_SERVICE_URL: 'http://notifications.internal:3003',
};
/** A complete production environment; tests remove or spoil one variable at a time. */
export const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://orders:secret@db.internal:5432/orders',
  JWT_SECRET: strongSecret,
  ...peers,
};

/** The ConfigError `load` throws (fails the test when it does not throw one). */
export function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, devSecret);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}
