import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { orderEventKinds, orderEventType } from '../../src/domain/order-event.js';
import { asyncApiDocument, messageName } from '../../src/events/asyncapi-document.js';
import { payloadValidators } from '../support/asyncapi.js';
import { runCommand } from '../support/command.js';
import { placePaidOrder } from '../support/orders.js';
import type { EventConsumer } from '../support/rabbitmq.js';
import { brokerUrl, consumeEvents, testExchange } from '../support/rabbitmq.js';
import { useTestService } from '../support/test-service.js';
import { newUser } from '../support/tokens.js';

const root = path.resolve(import.meta.dirname, '../..');
const defaults = { exchange: 'orders', source: '/order-service', typePrefix: 'com.example' };
const document = asyncApiDocument({ version: '1.2.3', ...defaults });

type Message = { name: string; payload: unknown; examples: { payload: unknown }[] };
const messagesOf = (doc: unknown) =>
  (doc as { components: { messages: Record<string, Message> } }).components.messages;

describe('the AsyncAPI document of the order events', () => {
  it('is valid AsyncAPI 3: the parser reports no error and no warning', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));

    const lines = diagnostics.map(
      (diagnostic) =>
        `${DiagnosticSeverity[diagnostic.severity]} ${String(diagnostic.code)}: ${diagnostic.message}`,
    );
    expect(lines.filter((line) => /^(Error|Warning) /.test(line))).toEqual([]);
    expect(parsed?.messages().length).toBe(orderEventKinds.length);
  });

  it('has one message per event kind, its type the one the relay publishes', () => {
    const messages = messagesOf(document);

    for (const kind of orderEventKinds) {
      const type = orderEventType('com.example', kind);
      const message = messages[messageName(kind)];
      expect(message?.name).toBe(type);
      expect(message?.payload).toMatchObject({
        allOf: [{}, { properties: { type: { const: type } } }],
      });
    }
    expect(Object.keys(messages)).toHaveLength(orderEventKinds.length);
  });

  it('gives every message an example that its payload schema accepts, and no other type', () => {
    const validators = payloadValidators(document);
    const messages = Object.values(messagesOf(document));

    for (const message of messages) {
      expect(message.examples).toHaveLength(1);
      const [example] = message.examples;
      const validate = validators.get(message.name)!;
      expect({
        type: message.name,
        valid: validate(example?.payload),
        errors: validate.errors,
      }).toEqual({ type: message.name, valid: true, errors: null });
      const other = messages.find((candidate) => candidate !== message)!;
      expect(validators.get(other.name)!(example?.payload)).toBe(false);
    }
  });

  it('is committed as docs/asyncapi.yaml with the default settings', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'order-service-asyncapi-'));
    onTestFinished(() => rm(directory, { recursive: true }));
    const regenerated = path.join(directory, 'asyncapi.yaml');

    const result = await runCommand(
      'npm',
      ['run', '-s', 'asyncapi:generate', '--', '--out', regenerated],
      { cwd: root },
    );

    expect(result.code, result.output).toBe(0);
    const committed = await readFile(path.join(root, 'docs/asyncapi.yaml'), 'utf8');
    expect(
      await readFile(regenerated, 'utf8'),
      'the AsyncAPI document changed: run npm run asyncapi:generate and commit docs/asyncapi.yaml',
    ).toBe(committed);
  }, 60_000);
});

describe('GET /asyncapi.json and the events the service publishes', () => {
  // Settings of its own, so the served document visibly follows the service's configuration.
  const settings = {
    exchange: testExchange('asyncapi'),
    source: '/order-service-test',
    typePrefix: 'org.example.shop',
  };
  const env = useTestService({ events: { brokerUrl, ...settings } });
  let consumer: EventConsumer;
  beforeAll(async () => {
    consumer = await consumeEvents(settings.exchange);
  });
  afterAll(async () => {
    await consumer.close();
  });

  it('serves the document for the service settings, without a token', async () => {
    const response = await env.api().get('/asyncapi.json');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toEqual(asyncApiDocument({ version: 'test', ...settings }));
  });

  it('publishes events that the served document describes: created, paid, cancelled', async () => {
    const served = (await env.api().get('/asyncapi.json')).body;
    const validators = payloadValidators(served);
    const user = await newUser();
    const { order } = await placePaidOrder(env, user);

    const cancelled = await env.api(user.token).post(`/api/orders/${order.id}/cancel`, {});
    await consumer.waitForEvents(order.id, 3);

    expect(cancelled.status).toBe(200);
    const events = consumer.eventsOf(order.id);
    expect(events.map((event) => event.type)).toEqual(
      ['created', 'paid', 'cancelled'].map((kind) => `org.example.shop.order.${kind}`),
    );
    for (const event of events) {
      const validate = validators.get(event.type)!;
      expect({ type: event.type, valid: validate(event), errors: validate.errors }).toEqual({
        type: event.type,
        valid: true,
        errors: null,
      });
    }
  });
});
