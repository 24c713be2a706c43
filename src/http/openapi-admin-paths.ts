import {
  commonProblems,
  idParameter,
  json,
  problem,
  type OpenApiPaths,
} from './openapi-components.js';

const sagaSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'orderId',
    'kind',
    'state',
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
    state: { type: 'string', enum: ['running', 'compensating', 'completed', 'failed'] },
    step: { type: 'string', example: 'charge' },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    nextAttemptAt: { type: 'string', format: 'date-time' },
    lockedUntil: { type: ['string', 'null'], format: 'date-time' },
    deadlineAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

/** The /api/admin operations: inspect and retry sagas. */
export const adminPaths: OpenApiPaths = {
  '/api/admin/sagas': {
    get: {
      summary: 'Unfinished or stuck sagas, longest waiting first (admin only)',
      parameters: [
        {
          name: 'state',
          in: 'query',
          schema: {
            type: 'string',
            enum: ['unfinished', 'running', 'compensating', 'completed', 'failed'],
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
          content: json({
            type: 'object',
            additionalProperties: false,
            required: ['data', 'pagination'],
            properties: {
              data: { type: 'array', items: sagaSchema },
              pagination: {
                type: 'object',
                additionalProperties: false,
                required: ['page', 'limit', 'total', 'totalPages'],
                properties: {
                  page: { type: 'integer' },
                  limit: { type: 'integer' },
                  total: { type: 'integer' },
                  totalPages: { type: 'integer' },
                },
              },
            },
          }),
        },
        ...commonProblems,
        '403': problem('Not an admin'),
      },
    },
  },
  '/api/admin/sagas/{id}/retry': {
    post: {
      summary: 'Make an unfinished saga due now; the recovery loop takes it (admin only)',
      parameters: [idParameter],
      responses: {
        '202': { description: 'Scheduled', content: json(sagaSchema) },
        ...commonProblems,
        '403': problem('Not an admin'),
        '404': problem('No such saga'),
        '409': problem('The saga has finished'),
      },
    },
  },
};
