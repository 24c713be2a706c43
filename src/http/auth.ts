import type { RequestHandler, Response } from 'express';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { FlattenedJWSInput, JWSHeaderParameters, JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { UnauthorizedError } from './http-errors.js';
import { userId } from '../domain/ids.js';
import { createVerifiedTokens } from './verified-tokens.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** Set by `requireAuth`; read it with `actorOf(res)`. */
    actor?: Actor;
  }
}

export type AuthOptions = {
  jwtSecret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  /** Allowed clock skew for `exp` and `nbf`; default 5. */
  clockToleranceSeconds?: number;
  /** How long a verified token is trusted without checking its signature again; default 60 s. */
  verifiedTokenMaxAgeMs?: number | undefined;
};

export type Authenticator = {
  /** Resolves the caller of an `Authorization` header; rejects with `UnauthorizedError` only. */
  authenticate(authorizationHeader: string | undefined): Promise<Actor>;
};

type Checks = {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly clockToleranceSeconds: number;
};

const defaultClockToleranceSeconds = 5;
// Identity providers rotate keys rarely: keep a fetched set 10 minutes, refetch for an unknown
// `kid` at most every 30 s (so random kids cannot make us hammer the provider), wait 5 s at most.
const jwksCacheMaxAgeMs = 600_000;
const jwksCooldownMs = 30_000;
const jwksTimeoutMs = 5_000;

// RFC 6750 section 2.1: the scheme is case-insensitive, the token is a b64token.
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

// order-api.md: `sub` is a positive integer, as a JSON number or a digit string. Other claims
// are not listed: identity providers add their own, and refusing those would refuse their tokens.
const claimsSchema = z.object({
  sub: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^[1-9][0-9]*$/)
        .transform(Number),
    ])
    .pipe(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)),
  role: z.unknown().optional(),
  roles: z.unknown().optional(),
});

/** Throws (a configuration fault, not a 401) when neither a secret nor a JWKS URL is given. */
export function createAuthenticator(options: AuthOptions): Authenticator {
  const checks: Checks = {
    issuer: options.issuer,
    audience: options.audience,
    clockToleranceSeconds: options.clockToleranceSeconds ?? defaultClockToleranceSeconds,
  };
  const verifyWithSecret =
    options.jwtSecret === undefined ? undefined : createSecretVerifier(options.jwtSecret, checks);
  const verifyWithKeySet =
    options.jwksUrl === undefined
      ? undefined
      : createKeySetVerifier(new URL(options.jwksUrl), checks);
  if (verifyWithSecret === undefined && verifyWithKeySet === undefined) {
    throw new Error('createAuthenticator needs jwtSecret or jwksUrl.');
  }
  const verified = createVerifiedTokens({ maxAgeMs: options.verifiedTokenMaxAgeMs });

  return {
    async authenticate(authorizationHeader) {
      const token = bearerTokenOf(authorizationHeader);
      const known = verified.get(token, Date.now());
      if (known !== undefined) return known;
      // The token's `alg` picks the key: HS256 only ever meets the secret, RS256/ES256 only the
      // JWKS, so a public key is never used as an HMAC secret (order-api.md, Authentication).
      const algorithm = algorithmOf(token);
      const verify =
        algorithm === 'HS256'
          ? verifyWithSecret
          : algorithm === 'RS256' || algorithm === 'ES256'
            ? verifyWithKeySet
            : undefined;
      if (verify === undefined) throw new UnauthorizedError('The token algorithm is not accepted.');
      const payload = await verify(token);
      const actor = actorFromClaims(payload);
      verified.remember(token, actor, timesOf(payload), Date.now());
      return actor;
    },
  };
}

/** Authenticates the request; sets `res.locals.actor` or passes `UnauthorizedError` to `next`. */
export function requireAuth(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    let actor: Actor;
    try {
      actor = await authenticator.authenticate(req.get('authorization'));
    } catch (error) {
      next(error);
      return;
    }
    res.locals.actor = actor;
    next();
  };
}

/** The caller set by `requireAuth`; throws a plain `Error` (a wiring bug, so 500) without it. */
export function actorOf(res: Response): Actor {
  const actor = res.locals.actor;
  if (actor === undefined) throw new Error('No actor: requireAuth must run before this handler.');
  return actor;
}

function bearerTokenOf(authorizationHeader: string | undefined): string {
  if (authorizationHeader === undefined) throw new UnauthorizedError();
  const token = bearerPattern.exec(authorizationHeader)?.[1];
  if (token === undefined) {
    throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
  }
  return token;
}

// Read before verifying only to choose the verifier; each verifier pins its own algorithms.
function algorithmOf(token: string): string {
  try {
    return decodeProtectedHeader(token).alg ?? '';
  } catch {
    throw malformed();
  }
}

// jose checked them: `exp` is required and both are numbers when present.
const timeClaims = z.object({ exp: z.number(), nbf: z.number().optional() });
const timesOf = (payload: unknown): { exp: number; nbf?: number } => {
  const times = timeClaims.parse(payload);
  return times.nbf === undefined ? { exp: times.exp } : { exp: times.exp, nbf: times.nbf };
};

function actorFromClaims(payload: unknown): Actor {
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw new UnauthorizedError('The token subject is not a user id.');
  const { sub, role, roles } = claims.data;
  const isAdmin = role === 'admin' || (Array.isArray(roles) && roles.includes('admin'));
  return { kind: 'user', userId: userId(sub), role: isAdmin ? 'admin' : 'user' };
}

// ADR 0005: imported once as a CryptoKey, jose verifies HS256 in ~16 µs; handed the raw bytes it
// imports the key again on every call and takes ~31 µs.
function createSecretVerifier(secret: string, checks: Checks): (token: string) => Promise<unknown> {
  if (secret === '') throw new Error('jwtSecret must not be empty.');
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const verifyOptions = verifyOptionsFor(['HS256'], checks);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, await key, verifyOptions);
      return payload;
    } catch (error) {
      throw joseFailure(error);
    }
  };
}

function createKeySetVerifier(jwksUrl: URL, checks: Checks): (token: string) => Promise<unknown> {
  const keySet = createRemoteJWKSet(jwksUrl, {
    cacheMaxAge: jwksCacheMaxAgeMs,
    cooldownDuration: jwksCooldownMs,
    timeoutDuration: jwksTimeoutMs,
  });
  const getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new UnauthorizedError('The token signing key is unknown.');
      }
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        throw new UnauthorizedError('The token does not name its signing key.');
      }
      // Unreachable, slow, non-200 or invalid key set: the caller cannot be authenticated.
      const unavailable = new UnauthorizedError('The signing keys could not be fetched.');
      unavailable.cause = error; // for the log, not the response
      throw unavailable;
    }
  };
  const verifyOptions = verifyOptionsFor(['RS256', 'ES256'], checks);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, getKey, verifyOptions);
      return payload;
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      throw joseFailure(error);
    }
  };
}

// `exp` is required by order-api.md and `sub` names the user; jose also requires `iss` and `aud`
// whenever an issuer or audience is configured, so a token cannot pass by leaving them out.
function verifyOptionsFor(algorithms: string[], checks: Checks): JWTVerifyOptions {
  return {
    algorithms,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: checks.clockToleranceSeconds,
    ...(checks.issuer === undefined ? {} : { issuer: checks.issuer }),
    ...(checks.audience === undefined ? {} : { audience: checks.audience }),
  };
}

function joseFailure(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) return expired();
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return missingClaim();
    return error.claim === 'nbf' ? notYetValid() : claimRefused();
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return badSignature();
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return malformed();
  if (error instanceof errors.JOSEError) return new UnauthorizedError();
  return error; // not a token problem: a fault for the error mapper
}

const expired = () => new UnauthorizedError('The token has expired.');
const notYetValid = () => new UnauthorizedError('The token is not valid yet.');
const badSignature = () => new UnauthorizedError('The token signature is not valid.');
const malformed = () => new UnauthorizedError('The token is malformed.');
const missingClaim = () => new UnauthorizedError('The token lacks a required claim.');
const claimRefused = () => new UnauthorizedError('A token claim is not accepted.');
