import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written during a request or a saga carries, when known. */
export type LogContext = {
  requestId?: string;
  orderId?: number;
  sagaId?: number;
};

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` attached to every log line it (and what it awaits) writes. */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, work);
}

/** Adds to the current context from here on (e.g. the order id once the order is stored). */
export function addToLogContext(context: LogContext): void {
  const store = storage.getStore();
  if (store !== undefined) Object.assign(store, context);
}

export const currentLogContext = (): LogContext | undefined => storage.getStore();

/** Trace and span ids of the active span; tracing.ts registers the provider once started. */
let activeTraceIds: () => { traceId: string; spanId: string } | undefined = () => undefined;

export function provideTraceIds(
  provider: () => { traceId: string; spanId: string } | undefined,
): void {
  activeTraceIds = provider;
}

export const currentTraceIds = () => activeTraceIds();
