import {
  idParameter,
  json,
  problem,
  requestBody,
  type OpenApiPaths,
} from './openapi-components.js';
import { parkedSagaWithLog, resumedSaga, sagaPage } from './openapi-examples.js';
import { commonProblems, problemExamples as p } from './openapi-problem-examples.js';

const sagaSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'orderId',
    'kind',
    'state',
    'parkedAt',
    'peerAnswer',
    'step',
    'attempts',
    'lastError',
    'nextAttemptAt',
    'lockedUntil',
    'deadlineAt',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    orderId: { type: 'integer' },
    kind: { type: 'string', enum: ['place', 'cancel', 'fail'] },
    state: {
      type: 'string',
      enum: ['running', 'compensating', 'needs-attention', 'completed', 'failed'],
      description:
        '`needs-attention`: a peer refused a step with a 4xx no retry fixes; the saga waits for an admin retry or resolve',
    },
    parkedAt: { type: ['string', 'null'], format: 'date-time' },
    peerAnswer: {
      description: 'What the peer answered to the refused step, while the saga needs attention',
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['service', 'operation', 'status'],
          properties: {
            service: { type: 'string', enum: ['product', 'payment'] },
            operation: {
              type: 'string',
              enum: ['decreaseStock', 'increaseStock', 'charge', 'refund'],
            },
            status: { type: ['integer', 'null'], example: 403 },
          },
        },
      ],
    },
    step: { type: 'string', example: 'charge' },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    nextAttemptAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'null while the saga needs attention: it is never due until an admin acts',
    },
    lockedUntil: { type: ['string', 'null'], format: 'date-time' },
    deadlineAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const sagaWithLogSchema = {
  ...sagaSchema,
  required: [...sagaSchema.required, 'log'],
  properties: {
    ...sagaSchema.properties,
    log: {
      type: 'array',
      description: "The saga's recorded outcomes and admin decisions, oldest first",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['step', 'outcome', 'detail', 'attempt', 'at'],
        properties: {
          step: { type: 'string', example: 'charge' },
          outcome: { type: ['string', 'null'], example: 'rejected' },
          detail: {
            type: 'object',
            additionalProperties: false,
            description: 'What the step recorded; which members appear depends on the step',
            properties: {
              items: {
                type: 'array',
                description: 'A stock step: the outcome of each product',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['productId', 'outcome'],
                  properties: {
                    productId: { type: 'integer' },
                    outcome: { type: 'string', example: 'changed' },
                  },
                },
              },
              paymentId: { type: 'string' },
              reason: { type: ['string', 'null'] },
              chargedAmount: { type: 'string' },
              status: { type: 'integer', description: "A refused step: the peer's HTTP status" },
              action: { type: 'string', enum: ['retry', 'resolve'] },
              actor: { type: 'string', example: 'admin:1' },
            },
          },
          attempt: { type: ['integer', 'null'] },
          at: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};

const sagaPageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'pagination'],
  properties: {
    data: { type: 'array', items: sagaSchema },
    pagination: {
      type: 'object',
      additionalProperties: false,
      required: ['page', 'limit', 'total', 'totalPages', 'totalIsLowerBound'],
      properties: {
        page: { type: 'integer' },
        limit: { type: 'integer' },
        total: { type: 'integer', description: 'Counted up to 10,000 sagas' },
        totalPages: { type: 'integer' },
        totalIsLowerBound: {
          type: 'boolean',
          description: 'true: more than 10,000 sagas match; total and totalPages stop there',
        },
      },
    },
  },
};

const tags = ['admin'];
const forbidden = problem('Not an admin', { forbidden: p.adminForbidden });
const sagaNotFound = problem('No such saga', { sagaNotFound: p.sagaNotFound });
const scheduled = { summary: 'Due now, no longer waiting for an admin', value: resumedSaga };

/** The /api/admin operations: inspect, retry and resolve sagas. */
export const adminPaths: OpenApiPaths = {
  '/api/admin/sagas': {
    get: {
      operationId: 'listSagas',
      tags,
      summary: 'Unfinished or stuck sagas, longest waiting first (admin only)',
      description:
        '`state=unfinished` (the default) lists running, compensating and parked sagas; a parked one shows `needs-attention`, with the peer and what it answered. The count stops at 10,000.',
      parameters: [
        {
          name: 'state',
          in: 'query',
          schema: {
            type: 'string',
            enum: [
              'unfinished',
              'needs-attention',
              'running',
              'compensating',
              'completed',
              'failed',
            ],
            default: 'unfinished',
          },
        },
        { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
      ],
      responses: {
        '200': {
          description:
            'One page: id, orderId, kind, state, step, attempts, lastError, nextAttemptAt, lockedUntil, deadlineAt',
          content: json(sagaPageSchema, {
            parked: { summary: 'One cancel waiting for an admin', value: sagaPage },
          }),
        },
        ...commonProblems({ invalidQuery: p.invalidQuery }),
        '403': forbidden,
      },
    },
  },
  '/api/admin/sagas/{id}': {
    get: {
      operationId: 'getSaga',
      tags,
      summary: 'One saga with its log: outcomes, refusals and admin decisions (admin only)',
      description:
        'The saga and every recorded step outcome and admin decision, oldest first, with who decided and why.',
      parameters: [idParameter],
      responses: {
        '200': {
          description: 'The saga and its log',
          content: json(sagaWithLogSchema, {
            parked: { summary: 'A refund the Payment Service refused', value: parkedSagaWithLog },
          }),
        },
        ...commonProblems({ invalidId: p.invalidId }),
        '403': forbidden,
        '404': sagaNotFound,
      },
    },
  },
  '/api/admin/sagas/{id}/retry': {
    post: {
      operationId: 'retrySaga',
      tags,
      summary:
        'Make an unfinished saga due now; one that needs attention sends its refused step again (admin only)',
      description:
        'The refused step is sent again with the same Idempotency-Key, so the peer applies it once. The reason, when given, goes to the saga log.',
      parameters: [idParameter],
      requestBody: requestBody(false, 'RetrySagaRequest', {
        withReason: {
          summary: 'After fixing the cause at the peer',
          value: { reason: 'refunds re-enabled for this merchant' },
        },
        empty: { summary: 'No reason', value: {} },
      }),
      responses: {
        '202': { description: 'Scheduled', content: json(sagaSchema, { scheduled }) },
        ...commonProblems({ invalidId: p.invalidId, malformedJson: p.malformedJson }),
        '403': forbidden,
        '404': sagaNotFound,
        '409': problem('The saga has finished, or another admin decision took it first', {
          sagaFinished: p.sagaFinished,
          lostToAnotherDecision: p.sagaNotParked,
        }),
        '413': problem('Body too large', { payloadTooLarge: p.payloadTooLarge }),
        '415': problem('A body whose Content-Type is not application/json', {
          unsupportedMediaType: p.unsupportedMediaType,
        }),
      },
    },
  },
  '/api/admin/sagas/{id}/resolve': {
    post: {
      operationId: 'resolveSaga',
      tags,
      summary:
        "Settle a saga's refused step by hand: a stock decrease or charge as not done (the order fails, or is cancelled when a cancel waits), a refund or restock as done (admin only)",
      description:
        'For a parked saga only. The reason is required: it goes to the saga log, and to the order history when the order fails or is cancelled because of it.',
      parameters: [idParameter],
      requestBody: requestBody(true, 'ResolveSagaRequest', {
        refundedByHand: {
          summary: 'A refused refund, done by hand at the Payment Service',
          value: { reason: 'refunded by hand in the payment dashboard' },
        },
      }),
      responses: {
        '202': {
          description: 'Resolved; the saga finishes in the background',
          content: json(sagaSchema, { scheduled }),
        },
        ...commonProblems({ invalidReason: p.invalidReason, invalidId: p.invalidId }),
        '403': forbidden,
        '404': sagaNotFound,
        '409': problem('The saga is not waiting for an admin, or has finished', {
          sagaNotParked: p.sagaNotParked,
          sagaFinished: p.sagaFinished,
        }),
        '413': problem('Body too large', { payloadTooLarge: p.payloadTooLarge }),
        '415': problem('A body whose Content-Type is not application/json', {
          unsupportedMediaType: p.unsupportedMediaType,
        }),
      },
    },
  },
};
