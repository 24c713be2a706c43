import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricFamily } from '../support/prometheus.js';
import { hasCommand, parseExposition, promtool } from '../support/prometheus.js';
import { brokerUrl, testExchange } from '../support/rabbitmq.js';
import { useTestService } from '../support/test-service.js';

// With a broker configured, so the order-event gauges are exported (no event is published: the
// service connects on its first publish, so the exchange is never declared).
const env = useTestService({
  events: {
    brokerUrl,
    exchange: testExchange('ops'),
    source: '/order-service',
    typePrefix: 'com.example',
  },
});
const alertsFile = fileURLToPath(new URL('../../ops/prometheus/alerts.yml', import.meta.url));
const dashboardFile = fileURLToPath(
  new URL('../../ops/grafana/order-service.json', import.meta.url),
);

let families: Map<string, MetricFamily>;
beforeAll(async () => {
  families = parseExposition((await env.api().get('/metrics')).text);
});

const keywords = new Set(
  ['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring'].concat([
    'group_left',
    'group_right',
    'inf',
    'nan',
  ]),
);

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers,
 * ranges and grouping lists are removed, that are not functions, aggregations or keywords.
 */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => !keywords.has(name.toLowerCase()));
}

/** The family a series name belongs to (`…_bucket` → its histogram), if /metrics has it. */
function familyOf(name: string): MetricFamily | undefined {
  const exact = families.get(name);
  if (exact !== undefined) return exact;
  const base = families.get(name.replace(/_(bucket|sum|count)$/, ''));
  return base?.type === 'histogram' || base?.type === 'summary' ? base : undefined;
}

/** The `expr` of every rule: inline, or a `|` block of the lines indented below it. */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const expressions: string[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)expr: ?(.*)$/.exec(line);
    if (match === null) return;
    const [, indent = '', inline = ''] = match;
    if (inline.trim() !== '|') {
      expressions.push(inline);
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next);
    }
    expressions.push(block.join('\n'));
  });
  return expressions;
}

type Panel = {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
};

/** Runs `promtool test rules` on `tests` (the `tests:` entries) against the alert rules. */
async function promtoolRuleTests(tests: string) {
  const dir = await mkdtemp(join(tmpdir(), 'alerts-'));
  const file = join(dir, 'alerts.test.yml');
  try {
    const header = [`rule_files: ['${alertsFile}']`, 'evaluation_interval: 15s', 'tests:'];
    await writeFile(file, [...header, tests].join('\n'));
    return await promtool(['test', 'rules', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ops/prometheus/alerts.yml', () => {
  it('passes promtool check rules', async ({ skip }) => {
    skip(!hasCommand('promtool'), 'promtool is not installed (Debian package prometheus)');

    const result = await promtool(['check', 'rules', alertsFile]);

    expect(result.code, result.output).toBe(0);
    const found = /SUCCESS: (\d+) rules found/.exec(result.output)?.[1];
    const yaml = await readFile(alertsFile, 'utf8');
    expect(Number(found)).toBe(ruleExpressions(yaml).length);
  });

  it('fires OrderSagaNeedsAttention after a minute of a parked saga, and not before (promtool test rules)', async ({
    skip,
  }) => {
    skip(!hasCommand('promtool'), 'promtool is not installed (Debian package prometheus)');
    const parked =
      'sagas_needs_attention{job="order-service",instance="a",kind="cancel",step="refund"}';
    const result = await promtoolRuleTests(
      [
        '  - interval: 15s',
        '    input_series:',
        `      - series: '${parked}'`,
        "        values: '0 0 1x10'",
        '    alert_rule_test:',
        '      - eval_time: 45s',
        '        alertname: OrderSagaNeedsAttention',
        '        exp_alerts: []',
        '      - eval_time: 2m30s',
        '        alertname: OrderSagaNeedsAttention',
        '        exp_alerts:',
        '          - exp_labels: { severity: critical, job: order-service, kind: cancel, step: refund }',
        '            exp_annotations:',
        "              summary: '1 cancel saga(s) need attention at refund'",
        `              description: 'A peer refused a step for good. GET /api/admin/sagas?state=needs-attention shows the peer answer; fix its cause and POST /api/admin/sagas/:id/retry, or settle it by hand and POST /api/admin/sagas/:id/resolve. Runbook: docs/operations.md#ordersaganeedsattention'`,
        '',
      ].join('\n'),
    );

    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
  });

  it('fires OrderEventsBacklogStale once the oldest unpublished event has been over a minute old for 2 minutes, once for all replicas (promtool test rules)', async ({
    skip,
  }) => {
    skip(!hasCommand('promtool'), 'promtool is not installed (Debian package prometheus)');
    // Two replicas read the same table: the same age from both. The broker goes away at 1m;
    // the age passes 60 s at 2m, so the alert is pending until 4m and firing after.
    const age = (instance: string) =>
      `order_events_oldest_unpublished_age_seconds{job="order-service",instance="${instance}"}`;
    const result = await promtoolRuleTests(
      [
        '  - interval: 15s',
        '    input_series:',
        `      - series: '${age('a')}'`,
        "        values: '0x3 15+15x20'",
        `      - series: '${age('b')}'`,
        "        values: '0x3 15+15x20'",
        '    alert_rule_test:',
        '      - eval_time: 1m45s',
        '        alertname: OrderEventsBacklogStale',
        '        exp_alerts: []',
        '      - eval_time: 3m45s',
        '        alertname: OrderEventsBacklogStale',
        '        exp_alerts: []',
        '      - eval_time: 4m30s',
        '        alertname: OrderEventsBacklogStale',
        '        exp_alerts:',
        '          - exp_labels: { severity: warning, job: order-service }',
        '            exp_annotations:',
        "              summary: 'Order events unpublished for 3m 45s'",
        "              description: 'The oldest order event the broker has not confirmed is over a minute old: RabbitMQ is unreachable, refuses the events, or no replica runs the relay. Runbook: docs/operations.md#ordereventsbacklogstale'",
        '  - interval: 15s',
        '    input_series:',
        // A busy relay: events a few seconds old at every scrape, never stale.
        `      - series: '${age('a')}'`,
        "        values: '2 5 1 0 3 2x30'",
        '    alert_rule_test:',
        '      - eval_time: 8m',
        '        alertname: OrderEventsBacklogStale',
        '        exp_alerts: []',
        '',
      ].join('\n'),
    );

    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS/);
  });

  it('selects only metrics the service exports, and `up` from the scrape', async () => {
    const expressions = ruleExpressions(await readFile(alertsFile, 'utf8'));

    const names = expressions.flatMap(metricNamesIn);

    expect(names).toContain('up');
    const unknown = names.filter((name) => name !== 'up' && familyOf(name) === undefined);
    expect(unknown).toEqual([]);
  });
});

describe('ops/grafana/order-service.json', () => {
  it('is a dashboard whose queries all use the datasource variable', async () => {
    const dashboard = JSON.parse(await readFile(dashboardFile, 'utf8')) as {
      uid: string;
      title: string;
      panels: Panel[];
      templating: { list: { name: string; type: string; query: unknown }[] };
    };

    expect(dashboard.uid).toBe('order-service');
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets?.map((target) => target.refId) ?? [];
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
    }
  });

  it('queries only metrics the service exports', async () => {
    const dashboard = JSON.parse(await readFile(dashboardFile, 'utf8')) as {
      panels: Panel[];
      templating: { list: { query: unknown }[] };
    };
    const expressions = dashboard.panels.flatMap(
      (panel) => panel.targets?.map((target) => target.expr) ?? [],
    );
    const variableQueries = dashboard.templating.list.flatMap(({ query }) =>
      typeof query === 'object' && query !== null && 'query' in query
        ? [String(query.query).replace(/^label_values\((.*),\s*\w+\)$/, '$1')]
        : [],
    );

    const names = [...expressions, ...variableQueries].flatMap(metricNamesIn);

    expect(expressions.length).toBeGreaterThanOrEqual(20);
    expect(names.length).toBeGreaterThanOrEqual(expressions.length);
    expect(names.filter((name) => familyOf(name) === undefined)).toEqual([]);
  });
});
