import path from 'node:path';
import winston from 'winston';
import { currentLogContext, currentTraceIds } from './log-context.js';

export type Logger = winston.Logger;

export type LoggerOptions = {
  level: string;
  /** Directory of all.log and error.log; undefined logs to the console only (tests). */
  logDir: string | undefined;
  /** false silences the console (tests). */
  console: boolean;
  /** JSON on the console too (production); readable lines otherwise. */
  jsonConsole?: boolean;
  /** Rotate a log file past this size; default 10 MiB. */
  maxFileBytes?: number;
};

// Size-based rotation by winston's own File transport: 10 MiB a file, the newest five kept,
// all.log / error.log always the current one (tailable) so `tail -F` and shippers keep working.
const defaultMaxFileBytes = 10 * 1024 * 1024;

/**
 * Keys whose values never reach a log line, wherever they appear: tokens, secrets, the
 * Authorization header, payment methods. Defence in depth — nothing logs bodies or headers.
 */
const secretKey =
  /^(authorization|token|access_?token|password|secret|jwt_?secret|service_?token|payment_?method|cookie)$/i;

function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      secretKey.test(key) ? '[redacted]' : redact(entry, depth + 1),
    ]),
  );
}

/** Request id, order id, saga id from the async context; trace and span ids from the span. */
const contextFormat = winston.format((info) => {
  const context = currentLogContext();
  const trace = currentTraceIds();
  const enriched: Record<string, unknown> = { ...context, ...trace };
  for (const [key, value] of Object.entries(info)) {
    enriched[key] = typeof key === 'string' && secretKey.test(key) ? '[redacted]' : redact(value);
  }
  return Object.assign(info, enriched);
});

/** JSON lines to files (and to the console in production); readable console lines otherwise. */
export function createLogger(options: LoggerOptions): Logger {
  const rotation = {
    maxsize: options.maxFileBytes ?? defaultMaxFileBytes,
    maxFiles: 5,
    tailable: true,
  };
  const transports = [];
  if (options.console) {
    // JSON: the line the logger's own format made (a json() of the transport's own serialised
    // every line a second time, ~2 % of a GET's CPU). Readable lines otherwise.
    const readable = winston.format.combine(
      winston.format.colorize(),
      winston.format.printf(({ level, message, timestamp, ...meta }) => {
        const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
        return `${String(timestamp)} ${level} ${String(message)}${extra}`;
      }),
    );
    transports.push(
      new winston.transports.Console(options.jsonConsole === true ? {} : { format: readable }),
    );
  }
  if (options.logDir !== undefined) {
    transports.push(
      new winston.transports.File({ filename: path.join(options.logDir, 'all.log'), ...rotation }),
      new winston.transports.File({
        filename: path.join(options.logDir, 'error.log'),
        level: 'error',
        ...rotation,
      }),
    );
  }
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      contextFormat(),
      winston.format.json(),
    ),
    defaultMeta: { service: 'order-service' },
    // winston's transports are typed against a second copy of winston-transport's class, so
    // the rule sees a foreign constructor where the runtime class is the same one.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    transports,
    silent: transports.length === 0,
  });
}
