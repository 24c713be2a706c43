import { describe, expect, it } from 'vitest';
import { tracingExportFrom } from '../../src/observability/tracing.js';

describe('where spans go (tracingExportFrom)', () => {
  it('exports nothing, yet makes spans, when no exporter is configured', () => {
    expect(tracingExportFrom({})).toEqual({ kind: 'none' });
    expect(tracingExportFrom({ OTEL_TRACES_EXPORTER: 'none' })).toEqual({ kind: 'none' });
  });

  it('starts no SDK with OTEL_SDK_DISABLED=true, whatever else is set', () => {
    expect(
      tracingExportFrom({
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toEqual({ kind: 'disabled' });
  });

  it('leaves the exporter to the standard OTEL_* variables when they name one', () => {
    expect(tracingExportFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      kind: 'environment',
    });
    expect(
      tracingExportFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
    ).toEqual({ kind: 'environment' });
    expect(tracingExportFrom({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({
      kind: 'environment',
    });
  });

  it("maps the seed's JAEGER_AGENT_HOST to Jaeger's OTLP/HTTP port 4318, not the agent port", () => {
    expect(tracingExportFrom({ JAEGER_AGENT_HOST: 'jaeger', JAEGER_AGENT_PORT: '6831' })).toEqual({
      kind: 'jaeger',
      url: 'http://jaeger:4318/v1/traces',
    });
    expect(tracingExportFrom({ JAEGER_AGENT_HOST: '::1' })).toEqual({
      kind: 'jaeger',
      url: 'http://[::1]:4318/v1/traces',
    });
  });

  it('prefers OTEL_EXPORTER_OTLP_ENDPOINT over JAEGER_AGENT_HOST', () => {
    expect(
      tracingExportFrom({
        JAEGER_AGENT_HOST: 'jaeger',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toEqual({ kind: 'environment' });
  });
});
