import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { AlwaysOffSampler, NoopSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import { provideTraceIds } from './log-context.js';
import { statementNameOf } from '../db/statement-names.js';
import { activeTraceIds, continueRequestTracesInMiddleware } from './tracing-context.js';

type Environment = Readonly<Record<string, string | undefined>>;

/** Jaeger's OTLP/HTTP receiver; JAEGER_AGENT_PORT names the legacy UDP Thrift agent port. */
export const jaegerOtlpPort = 4318;

/**
 * Where spans go. `disabled`: no SDK at all (OTEL_SDK_DISABLED=true). `environment`: the SDK
 * builds the exporter from the standard OTEL_* variables. `jaeger`: only JAEGER_AGENT_HOST is set,
 * so OTLP/HTTP to its port 4318. `none`: span and trace ids are made (in logs, problem bodies and
 * peer requests) but no instrumentation is loaded and nothing is exported.
 */
export type TracingExport =
  | { kind: 'disabled' }
  | { kind: 'environment' }
  | { kind: 'jaeger'; url: string }
  | { kind: 'none' };

const isSet = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

export function tracingExportFrom(env: Environment): TracingExport {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { kind: 'disabled' };
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((name) => name.trim()) ?? [];
  // The SDK takes `none` as "no tracer provider" (no trace ids at all); ours still makes spans.
  if (exporters.includes('none')) return { kind: 'none' };
  if (
    exporters.some((name) => name !== '') ||
    isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    isSet(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  ) {
    return { kind: 'environment' };
  }
  if (isSet(env.JAEGER_AGENT_HOST)) {
    const host = env.JAEGER_AGENT_HOST.trim();
    const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return { kind: 'jaeger', url: `http://${authority}:${jaegerOtlpPort}/v1/traces` };
  }
  return { kind: 'none' };
}

/** The modules patched when loaded; the ESM hook wraps only these, not every module. */
const instrumentedModules = ['http', 'https', 'express', 'pg', 'pg-pool'];

export type TracingOptions = {
  env: Environment;
  serviceVersion: string;
  /** Replaces the export chosen from `env` (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
};

let running: { sdk: NodeSDK; export: TracingExport } | undefined;

/**
 * Registers the OpenTelemetry SDK: W3C propagation, http/express/pg instrumentation, the
 * exporter. Must run before express, pg and node:http are first imported — from the
 * `--import` entry (instrument.ts) or a test setup file — or their spans are missing.
 * Starting twice keeps the first SDK.
 */
export function startTracing(options: TracingOptions): TracingExport {
  if (running !== undefined) return running.export;
  const chosen = tracingExportFrom(options.env);
  if (chosen.kind === 'disabled') return chosen;
  const isExporting = chosen.kind !== 'none' || options.spanProcessors !== undefined;
  if (isExporting) {
    // ESM imports of express and pg bypass require(), so the SDK sees them only through this
    // loader hook (import-in-the-middle); the static list keeps it off every other module.
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: instrumentedModules },
    });
  }
  const sdk = new NodeSDK({
    // The environment (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) overrides these defaults.
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': 'order-service',
        'service.version': options.serviceVersion,
      }),
    ),
    ...spanExport(chosen, options.spanProcessors),
    // Nobody receives the spans: don't record them (ids are still made and propagated).
    ...(chosen.kind === 'none' && options.spanProcessors === undefined
      ? { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }
      : {}),
    // Traces only: metrics are Prometheus (prom-client), logs are winston's.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: isExporting ? instrumentations() : [],
  });
  sdk.start();
  if (!isExporting) continueRequestTracesInMiddleware();
  provideTraceIds(activeTraceIds);
  running = { sdk, export: chosen };
  return chosen;
}

/**
 * Only when someone receives the spans. With no exporter the SDK still makes span and trace ids
 * and propagates them (http/request-context.ts continues the caller's trace), but loads no
 * instrumentation and no loader hook: the http instrumentation alone cost about a quarter of a
 * GET's CPU and 25 MiB of RSS (issue 12) for spans that were dropped.
 */
function instrumentations() {
  return [
    new HttpInstrumentation({
      // Probes and scrapes every few seconds would bury the orders' traces.
      ignoreIncomingRequestHook: (request) => /^\/(health|metrics)\b/.test(request.url ?? ''),
    }),
    // The request handler span is enough; a span per middleware (helmet, cors, json…) is noise.
    new ExpressInstrumentation({
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
    }),
    // Queries outside any span are the workers' polling: not worth a trace each. Parameters
    // (payment methods, addresses) are never recorded: enhancedDatabaseReporting stays off.
    // A connect span per pool.query doubles the spans; pool waits show in the pool metrics.
    new PgInstrumentation({
      requireParentSpan: true,
      ignoreConnectSpans: true,
      // A statement sent unnamed keeps its repository name in the span (db/statement-names.ts).
      requestHook: (span, { query, connection }) => {
        const name = statementNameOf(query.text);
        if (name !== undefined) span.updateName(`pg.query:${name} ${connection.database ?? ''}`);
      },
    }),
  ];
}

function spanExport(
  chosen: Exclude<TracingExport, { kind: 'disabled' }>,
  given: SpanProcessor[] | undefined,
): { spanProcessors?: SpanProcessor[]; traceExporter?: OTLPTraceExporter } {
  if (given !== undefined) return { spanProcessors: given };
  switch (chosen.kind) {
    case 'environment':
      return {};
    case 'jaeger':
      return { traceExporter: new OTLPTraceExporter({ url: chosen.url }) };
    case 'none':
      // A processor that drops every span: the SDK registers no tracer provider without one.
      return { spanProcessors: [new NoopSpanProcessor()] };
  }
}

/** What main.ts logs at start, so an operator sees where spans go. */
export function describeTracing(): string {
  const chosen = running?.export ?? { kind: 'disabled' };
  switch (chosen.kind) {
    case 'disabled':
      return 'tracing disabled (OTEL_SDK_DISABLED, or the SDK was not loaded with --import)';
    case 'environment':
      return 'tracing: exporting as the OTEL_* variables say';
    case 'jaeger':
      return `tracing: exporting OTLP/HTTP to ${chosen.url} (JAEGER_AGENT_HOST)`;
    case 'none':
      return 'tracing: spans are made but not exported (no OTEL_EXPORTER_OTLP_ENDPOINT)';
  }
}

/** Flushes spans still queued and stops the SDK; at shutdown, after the last request. */
export async function stopTracing(): Promise<void> {
  const current = running;
  running = undefined;
  await current?.sdk.shutdown();
}
