import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** One span, whether it came from the in-memory exporter or an OTLP/HTTP JSON request. */
export type SpanRecord = {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  startNs: bigint;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  isError: boolean;
};

const apiKinds = ['internal', 'server', 'client', 'producer', 'consumer'] as const;

export function fromReadableSpans(spans: readonly ReadableSpan[]): SpanRecord[] {
  return spans.map((span) => ({
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: apiKinds[span.kind],
    startNs: BigInt(span.startTime[0]) * 1_000_000_000n + BigInt(span.startTime[1]),
    attributes: { ...span.attributes },
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
    })),
    isError: span.status.code === SpanStatusCode.ERROR,
  }));
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttribute = { key: string; value: OtlpValue };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
};
export type OtlpExport = {
  resourceSpans: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans: { spans?: OtlpSpan[] }[];
  }[];
};

const valueOf = (value: OtlpValue): unknown =>
  value.stringValue ??
  (value.intValue === undefined ? undefined : Number(value.intValue)) ??
  value.boolValue ??
  value.doubleValue;

export const attributesOf = (attributes: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(attributes.map((attribute) => [attribute.key, valueOf(attribute.value)]));

/** OTLP/JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json): ids are hex, kinds count from 1. */
export function fromOtlpJson(
  body: OtlpExport,
): { resource: Record<string, unknown>; spans: SpanRecord[] }[] {
  return body.resourceSpans.map((resourceSpans) => ({
    resource: attributesOf(resourceSpans.resource?.attributes),
    spans: resourceSpans.scopeSpans.flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
        name: span.name,
        kind: apiKinds[span.kind - 1]!,
        startNs: BigInt(span.startTimeUnixNano),
        attributes: attributesOf(span.attributes),
        links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
        isError: span.status?.code === 2,
      })),
    ),
  }));
}

export const childrenOf = (spans: readonly SpanRecord[], parent: SpanRecord): SpanRecord[] =>
  spans
    .filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId)
    .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));

export function isDescendantOf(
  spans: readonly SpanRecord[],
  span: SpanRecord,
  ancestor: SpanRecord,
): boolean {
  const byId = new Map(spans.map((each) => [each.spanId, each]));
  for (let current = span.parentSpanId; current !== undefined;) {
    if (current === ancestor.spanId) return true;
    current = byId.get(current)?.parentSpanId;
  }
  return false;
}

/**
 * The tree under `root` as indented lines: the name, the kind unless internal, and `!` on error.
 * Runs of the same leaf (four pg queries in a row) fold into one line with a count.
 */
export function printTree(spans: readonly SpanRecord[], root: SpanRecord, depth = 0): string[] {
  const kind = root.kind === 'internal' ? '' : ` [${root.kind}]`;
  const lines = [`${'  '.repeat(depth)}${root.name}${kind}${root.isError ? ' !' : ''}`];
  let previous: { line: string; count: number } | undefined;
  const flush = () => {
    if (previous !== undefined) {
      lines.push(previous.count > 1 ? `${previous.line} ×${previous.count}` : previous.line);
    }
    previous = undefined;
  };
  for (const child of childrenOf(spans, root)) {
    const subtree = printTree(spans, child, depth + 1);
    const [line] = subtree;
    if (subtree.length === 1 && line !== undefined) {
      if (previous?.line === line) previous.count += 1;
      else {
        flush();
        previous = { line, count: 1 };
      }
      continue;
    }
    flush();
    lines.push(...subtree);
  }
  flush();
  return lines;
}
