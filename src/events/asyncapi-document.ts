import type { OrderEventKind } from '../domain/order-event.js';
import { orderEventKinds, orderEventType } from '../domain/order-event.js';
import { orderStatuses } from '../domain/order-status.js';
import { componentSchemas } from '../http/openapi.js';
import { exampleChanges, exampleOrderEvent } from './order-event-examples.js';

/** The EVENTS_* settings the document describes, and the service's version. */
export type AsyncApiSettings = {
  version: string;
  exchange: string;
  source: string;
  typePrefix: string;
};

type JsonSchema = Record<string, unknown>;

const whenWritten: Record<OrderEventKind, string> = {
  created: 'The order was stored as `pending`; its saga then reserves the stock and charges.',
  paid: 'The charge succeeded: the order is `paid` and carries its `paymentId`.',
  processing: 'An admin moved the order to `processing`.',
  shipped: 'An admin moved the order to `shipped`.',
  delivered: 'An admin moved the order to `delivered`.',
  cancelled:
    'The order is `cancelled`, by its user or an admin: its charge refunded and its stock put back.',
  failed:
    'The order is `failed`: its place saga gave up (stock, product, payment, deadline), or an admin failed it; stock put back, any charge refunded.',
  needs_attention:
    "The order's saga was parked for an admin: a peer refused a step for good. The status is unchanged, so `previousStatus` equals `status`.",
};

const bindingVersion = '0.3.0';

/**
 * The order events (docs/events.md) as an AsyncAPI 3.0 document: one message per kind of
 * `orderEventKinds`, so every type the relay publishes is in it, each a CloudEvent whose `data`
 * is the OpenAPI document's `Order` plus `previousStatus`. Served as /asyncapi.json with the
 * service's settings; docs/asyncapi.yaml is it with the defaults (`npm run asyncapi:generate`).
 */
export function asyncApiDocument(settings: AsyncApiSettings): Record<string, unknown> {
  const typeOf = (kind: OrderEventKind) => orderEventType(settings.typePrefix, kind);
  const messages = Object.fromEntries(
    orderEventKinds.map((kind) => [messageName(kind), message(kind, typeOf(kind), settings)]),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Order Service events',
      version: settings.version,
      description: [
        'Every status change of an order, and every saga parked for an admin, as a CloudEvent 1.0 in structured JSON mode on a RabbitMQ topic exchange. Published only while `EVENTS_BROKER_URL` is set.',
        'At least once: a republish keeps the CloudEvents `id`, so drop duplicates by it. Per order in commit order: the next event of an order is published only after the broker confirmed the one before. Events of different orders interleave.',
        'docs/events.md in the repository says more; /openapi.json describes the HTTP API whose `Order` the events carry.',
      ].join('\n\n'),
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      production: {
        host: 'rabbitmq:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description:
          'The RabbitMQ that `EVENTS_BROKER_URL` names (amqp://user:password@host:5672/vhost); this host is a placeholder.',
      },
    },
    channels: {
      orderEvents: {
        address: `${settings.typePrefix}.order.{kind}`,
        title: `Exchange ${settings.exchange}`,
        description: `The durable topic exchange \`${settings.exchange}\` (EVENTS_EXCHANGE); the routing key is the event's type. Bind a queue of your own with a pattern: \`#\` for every event, \`${typeOf('paid')}\` for one kind.`,
        servers: [{ $ref: '#/servers/production' }],
        parameters: {
          kind: {
            enum: [...orderEventKinds],
            description: 'The kind of event: the last part of its type and routing key.',
          },
        },
        messages: Object.fromEntries(
          orderEventKinds.map((kind) => [
            messageName(kind),
            { $ref: `#/components/messages/${messageName(kind)}` },
          ]),
        ),
        bindings: {
          amqp: {
            is: 'routingKey',
            exchange: {
              name: settings.exchange,
              type: 'topic',
              durable: true,
              autoDelete: false,
              vhost: '/',
            },
            bindingVersion,
          },
        },
      },
    },
    operations: Object.fromEntries(
      orderEventKinds.map((kind) => [
        `send${pascalCase(messageName(kind))}`,
        {
          action: 'send',
          channel: { $ref: '#/channels/orderEvents' },
          title: `Publish ${typeOf(kind)}`,
          summary: whenWritten[kind],
          messages: [{ $ref: `#/channels/orderEvents/messages/${messageName(kind)}` }],
          bindings: {
            amqp: { cc: [typeOf(kind)], deliveryMode: 2, mandatory: false, timestamp: true },
          },
        },
      ]),
    ),
    components: {
      messages,
      schemas: eventSchemas(settings.source),
    },
  };
}

/** `needs_attention` → `orderNeedsAttention`: the message's key in the document. */
export const messageName = (kind: OrderEventKind): string => `order${pascalCase(kind)}`;

const pascalCase = (kind: string): string =>
  kind
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

function message(kind: OrderEventKind, type: string, settings: AsyncApiSettings) {
  return {
    name: type,
    title: `Order ${kind.replace('_', ' ')}`,
    summary: whenWritten[kind],
    description: `AMQP properties: \`messageId\` is the CloudEvents \`id\`, \`type\` its \`type\` (\`${type}\`, also the routing key), \`contentType\` application/cloudevents+json, \`deliveryMode\` 2 (persistent), \`timestamp\` its \`time\` in seconds.`,
    contentType: 'application/cloudevents+json',
    correlationId: {
      description: 'The order id: every event of one order has it as `subject`.',
      location: '$message.payload#/subject',
    },
    payload: {
      allOf: [
        { $ref: '#/components/schemas/OrderCloudEvent' },
        { type: 'object', properties: { type: { const: type } } },
      ],
    },
    bindings: { amqp: { messageType: type, bindingVersion } },
    examples: [
      {
        name: kind,
        summary: exampleChanges[kind].summary,
        payload: exampleOrderEvent(kind, { source: settings.source, type }),
      },
    ],
  };
}

/** The envelope, its data, and the schemas of the OpenAPI document the data refers to. */
function eventSchemas(source: string): Record<string, JsonSchema> {
  const api = componentSchemas();
  const order = api.Order;
  if (order?.properties === undefined || order.required === undefined) {
    throw new Error('the OpenAPI document has no Order schema with properties');
  }
  const orderEventData: JsonSchema = {
    ...order,
    description:
      'The order as GET /api/orders/{id} showed it at the event (`updatedAt` is the event time), and the status it left.',
    properties: {
      ...order.properties,
      previousStatus: {
        type: ['string', 'null'],
        enum: [...orderStatuses, null],
        description:
          'The status before the change: null for `created`, equal to `status` for `needs_attention`.',
      },
    },
    required: [...order.required, 'previousStatus'],
  };
  const schemas: Record<string, JsonSchema> = {
    OrderCloudEvent: cloudEventSchema(source),
    OrderEventData: orderEventData,
  };
  // The schemas the order refers to (ShippingAddress), by the same names, and theirs.
  for (let missing = referencedNames(schemas); missing.length > 0;) {
    for (const name of missing) {
      const schema = api[name];
      if (schema === undefined) throw new Error(`the OpenAPI document has no schema ${name}`);
      schemas[name] = schema;
    }
    missing = referencedNames(schemas);
  }
  return schemas;
}

function cloudEventSchema(source: string): JsonSchema {
  return {
    type: 'object',
    description:
      'A CloudEvent 1.0 in structured JSON mode: the whole event is the message body. Other extension attributes may be added later; ignore what you do not know.',
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    properties: {
      specversion: { type: 'string', const: '1.0' },
      id: {
        type: 'string',
        format: 'uuid',
        description:
          'Unique per event and the same on every republish of it: drop a message whose id you have handled. Also the AMQP messageId.',
      },
      source: { type: 'string', const: source, description: 'EVENTS_SOURCE' },
      type: {
        type: 'string',
        description: '`<EVENTS_TYPE_PREFIX>.order.<kind>`; also the routing key and AMQP type.',
      },
      subject: {
        type: 'string',
        pattern: '^[1-9][0-9]*$',
        description: 'The order id, as a string.',
      },
      time: {
        type: 'string',
        format: 'date-time',
        description:
          'When the change was made (the time of its transaction); equals `data.updatedAt`.',
      },
      datacontenttype: { type: 'string', const: 'application/json' },
      traceparent: {
        type: 'string',
        pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description:
          'W3C Trace Context of the publish (CloudEvents distributed-tracing extension), a child of the span that made the change: start your span from it to join the trace. Absent when the change had no trace.',
      },
      data: { $ref: '#/components/schemas/OrderEventData' },
    },
  };
}

/** The `<name>`s of every `#/components/schemas/<name>` the schemas refer to. */
function referencedNames(schemas: Record<string, JsonSchema>): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        const name = key === '$ref' && typeof value === 'string' ? refName(value) : undefined;
        if (name !== undefined) names.add(name);
        else visit(value);
      }
    }
  };
  visit(schemas);
  return [...names].filter((name) => !Object.hasOwn(schemas, name));
}

const refName = (ref: string): string | undefined =>
  /^#\/components\/schemas\/(\w+)$/.exec(ref)?.[1];
