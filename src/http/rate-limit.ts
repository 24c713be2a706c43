import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import type { Store } from 'express-rate-limit';
import type { RedisReply } from 'rate-limit-redis';
import { TooManyRequestsError } from './http-errors.js';
import type { Logger } from '../observability/logger.js';
import { actorOf } from './auth.js';

export type OrderRateLimitOptions = {
  /** Order creations allowed per user in each one-minute window. */
  perMinute: number;
  /** Set: every replica with the same URL counts against one budget per user. */
  redisUrl?: string | undefined;
  /** Prefix of the Redis keys; tests give each file its own so their budgets stay apart. */
  redisKeyPrefix?: string | undefined;
};

export type OrderRateLimit = {
  /** Runs after `requireAuth`: the budget belongs to the token's user, not to an IP address. */
  middleware: RequestHandler;
  close(): Promise<void>;
};

const windowMs = 60_000;
// A rate limit check must not make order creation slow: a Redis that takes longer than this is
// treated as down.
const redisCommandTimeoutMs = 500;
const redisConnectTimeoutMs = 2_000;
const defaultRedisKeyPrefix = 'order-service:orders-per-minute:';

/** Thrown by the Redis store's commands; the limiter then lets the request through. */
class RateLimitStoreError extends Error {}

/**
 * POST /api/orders per user and minute (fixed window); over it → 429 with `Retry-After`.
 *
 * With Redis, the limiter fails open: while Redis cannot be reached orders are not limited,
 * and one error is logged per outage. The limit guards capacity; stock and money never depend
 * on it, so an outage of Redis should not become an outage of order taking.
 */
export async function createOrderRateLimit(
  options: OrderRateLimitOptions,
  logger: Logger,
): Promise<OrderRateLimit> {
  const limiterWith = (store: Store) =>
    rateLimit({
      windowMs,
      limit: options.perMinute,
      store,
      keyGenerator: (_req, res) => String(actorOf(res).userId),
      standardHeaders: false,
      legacyHeaders: false,
      handler: (req, _res, next) => {
        next(new TooManyRequestsError(retryAfterSecondsOf(req)));
      },
      logger: {
        warn: (error, message) => {
          logger.warn(message ?? 'rate limiter warning', { error });
        },
        error: (error, message) => {
          logger.error(message ?? 'rate limiter error', { error });
        },
      },
    });

  if (options.redisUrl === undefined) {
    const store = new MemoryStore();
    return {
      middleware: limiterWith(store),
      close: () => {
        store.shutdown();
        return Promise.resolve();
      },
    };
  }

  const { redisUrl } = options;
  // Loaded only with REDIS_URL set: a process that counts in memory never loads the client.
  const [{ createClient }, { RedisStore }] = await Promise.all([
    import('@redis/client'),
    import('rate-limit-redis'),
  ]);
  const client = createClient({
    url: redisUrl,
    // Fail fast while disconnected instead of queueing commands until Redis returns.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: redisConnectTimeoutMs,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000),
    },
  });
  let isFailingOpen = false;
  const failOpen = (error: unknown) => {
    if (isFailingOpen) return;
    isFailingOpen = true;
    logger.error('Redis unreachable: orders are not rate limited until it returns', { error });
  };
  client.on('error', failOpen);
  // The store loads its scripts when the limiter is created: wait for a connection first, so a
  // Redis that is down at start does not leave the store without them.
  let limiter: RequestHandler | undefined;
  client.on('ready', () => {
    if (isFailingOpen) logger.info('Redis reachable again: orders are rate limited');
    isFailingOpen = false;
    limiter ??= limiterWith(
      new RedisStore({
        prefix: options.redisKeyPrefix ?? defaultRedisKeyPrefix,
        sendCommand: async (...args: string[]) => {
          try {
            return await client.sendCommand<RedisReply>(args, { timeout: redisCommandTimeoutMs });
          } catch (error) {
            throw new RateLimitStoreError('Redis command failed', { cause: error });
          }
        },
      }),
    );
  });
  client.connect().catch(failOpen);

  return {
    middleware: (req: Request, res: Response, next: NextFunction) => {
      if (limiter === undefined) {
        next();
        return;
      }
      void limiter(req, res, (error?: unknown) => {
        if (error instanceof RateLimitStoreError) {
          failOpen(error.cause);
          next();
          return;
        }
        next(error);
      });
    },
    async close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

/** Seconds until the user's window ends, from the `req.rateLimit` express-rate-limit sets. */
function retryAfterSecondsOf(req: Request): number {
  const info: unknown = 'rateLimit' in req ? req.rateLimit : undefined;
  if (typeof info !== 'object' || info === null || !('resetTime' in info)) return windowMs / 1000;
  const { resetTime } = info;
  if (!(resetTime instanceof Date)) return windowMs / 1000;
  return Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000));
}
