import { z } from 'zod';
import { developmentJwtSecret } from './dev-secret.js';

/**
 * The only reader of process.env. order-api.md's Configuration table, parsed once at start;
 * a bad value stops the process with a message naming the variable. The entry points (main.ts
 * and src/cli/) call a parser here; the rest receives what it needs. One exception: the
 * tracing bootstrap (observability/instrument.ts) reads the standard OTEL_* variables and
 * JAEGER_AGENT_HOST itself, because it must run before the application is loaded.
 */
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = optionalText.pipe(z.url({ protocol: /^https?$/ }).optional());

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** A retention age: days, fractions allowed (0.5 = 12 hours), never 0 (RETENTION_ENABLED=false). */
const days = (fallback: number) => z.coerce.number().positive().max(36_500).default(fallback);

const boolean = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((value) => value === 'true');

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3004),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DB_HOST: optionalText,
  DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DB_NAME: z.string().trim().min(1).default('orders'),
  DB_USER: z.string().trim().min(1).default('postgres'),
  DB_PASSWORD: z.string().optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DB_PREPARED_STATEMENTS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  MIGRATION_LOCK_WAIT_MS: milliseconds(300_000),
  PRODUCT_SERVICE_URL: optionalUrl,
  PAYMENT_SERVICE_URL: optionalUrl,
  NOTIFICATION_SERVICE_URL: optionalUrl,
  JWT_SECRET: optionalText,
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  JWKS_URL: optionalUrl,
  SERVICE_TOKEN: optionalText,
  CURRENCY: z
    .string()
    .trim()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD')
    .default('USD'),
  PEER_TIMEOUT_MS: milliseconds(2000),
  PEER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  ORDER_RESPONSE_DEADLINE_MS: milliseconds(8000),
  SAGA_RECOVERY_INTERVAL_MS: milliseconds(5000),
  SAGA_DEADLINE_MS: milliseconds(900_000),
  SAGA_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
  SAGA_TEST_PAUSE_AT: optionalText,
  SHUTDOWN_GRACE_MS: milliseconds(25_000),
  RETENTION_ENABLED: boolean('true'),
  RETENTION_INTERVAL_MS: milliseconds(3_600_000),
  RETENTION_SAGAS_DAYS: days(30),
  RETENTION_OUTBOX_DAYS: days(7),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  LOG_DIR: z.string().trim().min(1).default('./logs'),
  CORS_ORIGINS: optionalText.transform((value) =>
    value === undefined
      ? []
      : value
          .split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin !== ''),
  ),
  BODY_LIMIT: z.string().trim().default('100kb'),
  // A person places a few orders a minute; one a second is already a script. `npm run bench`
  // spreads ~10 orders over each of its 2,000 users, far below this.
  RATE_LIMIT_ORDERS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  EVENTS_BROKER_URL: optionalText.pipe(z.url({ protocol: /^amqps?$/ }).optional()),
  EVENTS_EXCHANGE: z
    .string()
    .trim()
    .regex(/^[\w.:-]{1,255}$/, 'letters, digits, _ . : - only, at most 255')
    .default('orders'),
  EVENTS_SOURCE: z.string().trim().min(1).max(1000).default('/order-service'),
  EVENTS_TYPE_PREFIX: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i, 'dot-separated names, such as com.example')
    .max(200)
    .default('com.example'),
});

export type Environment = z.infer<typeof environmentSchema>;

export type DatabaseConfig =
  | { readonly kind: 'url'; readonly connectionString: string }
  | {
      readonly kind: 'fields';
      readonly host: string;
      readonly port: number;
      readonly database: string;
      readonly user: string;
      readonly password: string | undefined;
    }
  | { readonly kind: 'embedded'; readonly dataDir: string };

export type PeerUrls = {
  readonly productServiceUrl: string;
  readonly paymentServiceUrl: string;
  readonly notificationServiceUrl: string;
};

export type Config = Readonly<{
  nodeEnv: Environment['NODE_ENV'];
  isProduction: boolean;
  port: number;
  database: DatabaseConfig;
  databasePoolMax: number;
  /** Named prepared statements; off by default so a transaction pooler works (db/pool.ts). */
  databasePreparedStatements: boolean;
  /** How long a replica waits for another's migration before it gives up. */
  migrationLockWaitMs: number;
  /** Unset outside production: main.ts starts the bundled sandbox peers. */
  peers: PeerUrls | undefined;
  auth: {
    jwtSecret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    isDevelopmentSecret: boolean;
  };
  serviceToken: string | undefined;
  currency: string;
  peerTimeoutMs: number;
  peerMaxAttempts: number;
  orderResponseDeadlineMs: number;
  sagaRecoveryIntervalMs: number;
  sagaDeadlineMs: number;
  /** How long a replica holds a saga without renewing; a dead replica's sagas return after it. */
  sagaLeaseMs: number;
  /** Tests only: a saga point where the process pauses so a test can kill it there. */
  sagaTestPauseAt: string | undefined;
  shutdownGraceMs: number;
  /**
   * The recovery worker deletes finished sagas (with their saga_log) and delivered outbox rows
   * older than these ages, at most once per `intervalMs` in each replica; orders, their history
   * and Idempotency-Keys are kept. `isEnabled: false` keeps everything.
   */
  retention: { isEnabled: boolean; intervalMs: number; sagaDays: number; outboxDays: number };
  logLevel: Environment['LOG_LEVEL'];
  logDir: string;
  corsOrigins: readonly string[];
  bodyLimit: string;
  /**
   * POST /api/orders per user and minute. With `redisUrl` the replicas share one budget; without
   * it each process counts alone. Redis unreachable: orders are not limited (fail open).
   */
  orderRateLimit: { perMinute: number; redisUrl: string | undefined };
  /**
   * Order events on a broker (docs/events.md). Without `brokerUrl` none are written or
   * published. CloudEvents `type` is `<typePrefix>.order.<kind>`.
   */
  events: { brokerUrl: string | undefined; exchange: string; source: string; typePrefix: string };
}>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const kubernetesExampleSecret = 'change-me-to-at-least-32-random-characters';
const minimumProductionSecretLength = 32;

type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

function parse<Schema extends z.ZodType>(schema: Schema, env: EnvironmentVariables) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(
  env: EnvironmentVariables = process.env,
  developmentSecret: string = developmentJwtSecret,
): Config {
  const e = parse(environmentSchema, env);
  const isProduction = e.NODE_ENV === 'production';
  const problems: string[] = [];

  const database = databaseConfig(e);
  if (isProduction && database.kind === 'embedded') {
    problems.push(
      'DATABASE_URL or DB_HOST: required in production (the embedded PostgreSQL is for development only)',
    );
  }

  const peerValues = [e.PRODUCT_SERVICE_URL, e.PAYMENT_SERVICE_URL, e.NOTIFICATION_SERVICE_URL];
  const peersSet = peerValues.filter((value) => value !== undefined).length;
  let peers: PeerUrls | undefined;
  if (e.PRODUCT_SERVICE_URL && e.PAYMENT_SERVICE_URL && e.NOTIFICATION_SERVICE_URL) {
    peers = {
      productServiceUrl: e.PRODUCT_SERVICE_URL.replace(/\/+$/, ''),
      paymentServiceUrl: e.PAYMENT_SERVICE_URL.replace(/\/+$/, ''),
      notificationServiceUrl: e.NOTIFICATION_SERVICE_URL.replace(/\/+$/, ''),
    };
  } else if (peersSet > 0 || isProduction) {
    problems.push(
      'PRODUCT_SERVICE_URL, PAYMENT_SERVICE_URL, NOTIFICATION_SERVICE_URL: set all three (in production they are required; elsewhere leave all unset to use the bundled sandbox)',
    );
  }

  if (isProduction && e.JWT_SECRET === undefined && e.JWKS_URL === undefined) {
    problems.push('JWT_SECRET or JWKS_URL: at least one is required in production');
  }
  if (
    isProduction &&
    e.JWT_SECRET !== undefined &&
    e.JWT_SECRET.length < minimumProductionSecretLength
  ) {
    problems.push(
      `JWT_SECRET: must be at least ${minimumProductionSecretLength} characters in production`,
    );
  }
  // Anyone can mint tokens with the development secret: it is in the source.
  if (isProduction && e.JWT_SECRET === developmentSecret) {
    problems.push('JWT_SECRET: the public development secret; never use it in production');
  }
  // The Kubernetes example's placeholder (deploy/k8s/base/secret.example.yaml) is public too.
  if (isProduction && e.JWT_SECRET === kubernetesExampleSecret) {
    problems.push('JWT_SECRET: the example placeholder from deploy/k8s; set a random secret');
  }
  if (isProduction && e.SAGA_TEST_PAUSE_AT !== undefined) {
    problems.push('SAGA_TEST_PAUSE_AT: a test hook; never set it in production');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const useDevelopmentSecret = e.JWT_SECRET === undefined && !isProduction;
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    database,
    databasePoolMax: e.DB_POOL_MAX,
    databasePreparedStatements: e.DB_PREPARED_STATEMENTS,
    migrationLockWaitMs: e.MIGRATION_LOCK_WAIT_MS,
    peers,
    auth: {
      jwtSecret: useDevelopmentSecret ? developmentSecret : e.JWT_SECRET,
      jwksUrl: e.JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      isDevelopmentSecret: useDevelopmentSecret,
    },
    serviceToken: e.SERVICE_TOKEN,
    currency: e.CURRENCY,
    peerTimeoutMs: e.PEER_TIMEOUT_MS,
    peerMaxAttempts: e.PEER_MAX_ATTEMPTS,
    orderResponseDeadlineMs: e.ORDER_RESPONSE_DEADLINE_MS,
    sagaRecoveryIntervalMs: e.SAGA_RECOVERY_INTERVAL_MS,
    sagaDeadlineMs: e.SAGA_DEADLINE_MS,
    sagaLeaseMs: e.SAGA_LEASE_MS,
    sagaTestPauseAt: e.SAGA_TEST_PAUSE_AT,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    retention: {
      isEnabled: e.RETENTION_ENABLED,
      intervalMs: e.RETENTION_INTERVAL_MS,
      sagaDays: e.RETENTION_SAGAS_DAYS,
      outboxDays: e.RETENTION_OUTBOX_DAYS,
    },
    logLevel: e.LOG_LEVEL,
    logDir: e.LOG_DIR,
    corsOrigins: e.CORS_ORIGINS,
    bodyLimit: e.BODY_LIMIT,
    orderRateLimit: { perMinute: e.RATE_LIMIT_ORDERS_PER_MINUTE, redisUrl: e.REDIS_URL },
    events: {
      brokerUrl: e.EVENTS_BROKER_URL,
      exchange: e.EVENTS_EXCHANGE,
      source: e.EVENTS_SOURCE,
      typePrefix: e.EVENTS_TYPE_PREFIX,
    },
  });
}

/** The variables that say where the database is (databaseConfig). */
const databaseKeys = {
  DATABASE_URL: true,
  DB_HOST: true,
  DB_PORT: true,
  DB_NAME: true,
  DB_USER: true,
  DB_PASSWORD: true,
} as const;

const databaseSchema = environmentSchema.pick({
  ...databaseKeys,
  NODE_ENV: true,
  MIGRATION_LOCK_WAIT_MS: true,
});

/** `npm run migrate`: the database settings of loadConfig, and nothing else required. */
export function loadMigrateConfig(
  env: EnvironmentVariables = process.env,
): Pick<Config, 'database' | 'migrationLockWaitMs'> {
  const e = parse(databaseSchema, env);
  const database = databaseConfig(e);
  if (e.NODE_ENV === 'production' && database.kind === 'embedded') {
    throw new ConfigError([
      'DATABASE_URL or DB_HOST: required in production (the embedded PostgreSQL is for development only)',
    ]);
  }
  return Object.freeze({ database, migrationLockWaitMs: e.MIGRATION_LOCK_WAIT_MS });
}

export type InvariantCheckConfig = Readonly<{
  database: Exclude<DatabaseConfig, { kind: 'embedded' }>;
  productServiceUrl: string;
  paymentServiceUrl: string;
}>;

/**
 * `npm run check:invariants`: the database and the Product and Payment URLs. Unlike the service
 * it never falls back to an embedded PostgreSQL (a check must read the real database), and the
 * peers default to the sandbox's ports as `npm run sandbox` starts it (sandbox/README.md).
 */
export function loadInvariantCheckConfig(
  env: EnvironmentVariables = process.env,
): InvariantCheckConfig {
  const e = parse(
    environmentSchema.pick({
      ...databaseKeys,
      PRODUCT_SERVICE_URL: true,
      PAYMENT_SERVICE_URL: true,
    }),
    env,
  );
  const database = databaseConfig(e);
  if (database.kind === 'embedded') {
    throw new ConfigError([
      'Set DATABASE_URL, or DB_HOST (with DB_PORT, DB_NAME, DB_USER, DB_PASSWORD), to the Order Service database to check.',
    ]);
  }
  return Object.freeze({
    database,
    productServiceUrl: (e.PRODUCT_SERVICE_URL ?? 'http://127.0.0.1:3001').replace(/\/+$/, ''),
    paymentServiceUrl: (e.PAYMENT_SERVICE_URL ?? 'http://127.0.0.1:3002').replace(/\/+$/, ''),
  });
}

/** `npm run token`: the HS256 secret (unset: the caller's default) and the iss/aud claims. */
export function loadTokenConfig(env: EnvironmentVariables = process.env): Readonly<{
  jwtSecret: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
}> {
  const e = parse(
    environmentSchema.pick({ JWT_SECRET: true, JWT_ISSUER: true, JWT_AUDIENCE: true }),
    env,
  );
  return Object.freeze({ jwtSecret: e.JWT_SECRET, issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE });
}

function databaseConfig(
  e: Pick<
    Environment,
    'DATABASE_URL' | 'DB_HOST' | 'DB_PORT' | 'DB_NAME' | 'DB_USER' | 'DB_PASSWORD'
  >,
): DatabaseConfig {
  if (e.DATABASE_URL !== undefined) return { kind: 'url', connectionString: e.DATABASE_URL };
  if (e.DB_HOST !== undefined) {
    return {
      kind: 'fields',
      host: e.DB_HOST,
      port: e.DB_PORT,
      database: e.DB_NAME,
      user: e.DB_USER,
      password: e.DB_PASSWORD,
    };
  }
  return { kind: 'embedded', dataDir: './data/postgres' };
}
