import path from 'node:path';
import winston from 'winston';

export type Logger = winston.Logger;

export type LoggerOptions = {
  level: string;
  /** Directory of all.log and error.log; undefined logs to the console only (tests). */
  logDir: string | undefined;
  /** false silences the console (tests). */
  console: boolean;
};

/** JSON lines to files; readable lines on the console. Never log bodies, tokens or payment methods. */
export function createLogger(options: LoggerOptions): Logger {
  const transports = [];
  if (options.console) {
    transports.push(
      new winston.transports.Console({
        format: winston.format.combine(
          winston.format.colorize(),
          winston.format.printf(({ level, message, timestamp, ...meta }) => {
            const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
            return `${String(timestamp)} ${level} ${String(message)}${extra}`;
          }),
        ),
      }),
    );
  }
  if (options.logDir !== undefined) {
    transports.push(
      new winston.transports.File({ filename: path.join(options.logDir, 'all.log') }),
      new winston.transports.File({
        filename: path.join(options.logDir, 'error.log'),
        level: 'error',
      }),
    );
  }
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
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
