import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthorizedError } from './http-errors.js';
import { actorOf, createAuthenticator, requireAuth } from './auth.js';
import { bearer, claims, hs256, nowSeconds, secret } from './auth-test-tokens.js';

describe('requireAuth', () => {
  let app: Server;
  let url: string;

  beforeAll(async () => {
    const auth = createAuthenticator({ jwtSecret: secret });
    const toStatus: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      res.status(error instanceof UnauthorizedError ? 401 : 500).json({
        message: error instanceof Error ? error.message : 'unknown',
      });
    };
    const express5 = express();
    express5.get('/whoami', requireAuth(auth), (_req, res) => {
      res.json(actorOf(res));
    });
    express5.get('/unguarded', (_req, res) => {
      res.json(actorOf(res));
    });
    express5.use(toStatus);
    app = express5.listen(0, '127.0.0.1');
    await once(app, 'listening');
    url = `http://127.0.0.1:${String((app.address() as AddressInfo).port)}`;
  });

  afterAll(() => {
    app.close();
  });

  it('puts the actor in res.locals for the next handler', async () => {
    const token = await hs256(claims({ sub: 5, role: 'admin' }));

    const response = await fetch(`${url}/whoami`, { headers: { authorization: bearer(token) } });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'user', userId: 5, role: 'admin' });
  });

  it('passes UnauthorizedError to the error handler', async () => {
    const missing = await fetch(`${url}/whoami`);
    const expired = await fetch(`${url}/whoami`, {
      headers: { authorization: bearer(await hs256(claims({ exp: nowSeconds() - 60 }))) },
    });

    expect(missing.status).toBe(401);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ message: 'The token has expired.' });
  });

  it('makes actorOf throw when requireAuth did not run', async () => {
    const response = await fetch(`${url}/unguarded`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      message: 'No actor: requireAuth must run before this handler.',
    });
  });
});
