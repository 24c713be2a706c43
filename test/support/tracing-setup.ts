import { createRequire } from 'node:module';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach } from 'vitest';
import { startTracing } from '../../src/observability/tracing.js';

/**
 * vitest setup file: starts the OpenTelemetry SDK in every test worker before the test file
 * imports express, pg or node:http, so in-process services are traced as `npm start` traces
 * them (trace ids, traceparent to peers, http/express/pg spans). Spans are kept only while a
 * test records them: suites that place thousands of orders keep none.
 */
const exporter = new InMemorySpanExporter();
let isRecording = false;

const recordingProcessor: SpanProcessor = {
  onStart: () => undefined,
  onEnd: (span) => {
    if (isRecording) exporter.export([span], () => undefined);
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

startTracing({ env: {}, serviceVersion: 'test', spanProcessors: [recordingProcessor] });
// vitest imports packages by their file path, which the ESM hook cannot tell from the package's
// internals, so it leaves express unpatched. Loaded once through require() here, the CommonJS
// hook patches it, and the test file's import gets that same module.
const require = createRequire(import.meta.url);
require('express');
require('pg');

/** Keeps every span that ends from now until the end of the calling test. */
export function recordSpans(): { spans(): ReadableSpan[] } {
  exporter.reset();
  isRecording = true;
  return { spans: () => exporter.getFinishedSpans() };
}

afterEach(() => {
  isRecording = false;
  exporter.reset();
});
