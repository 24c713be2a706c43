import type { Actor } from '../domain/actor.js';

/**
 * The callers of tokens verified recently, so a client that sends the same token with every
 * request pays for its signature once a minute instead of every time (a get spent about a tenth
 * of its CPU in jose and WebCrypto; docs/performance.md). Keyed by the whole token: only the
 * exact bytes that were verified hit. An entry lives until the token's `exp` or `maxAgeMs`,
 * whichever comes first, so an expired token is verified again (and refused), and a key removed
 * from the JWKS stops being honoured within `maxAgeMs`. Failures are never kept.
 */
export type VerifiedTokens = {
  get(token: string, nowMs: number): Actor | undefined;
  /** `expiresAtMs`: the token's `exp`; tokens not valid yet (`nbf`) or outsized are not kept. */
  remember(token: string, actor: Actor, claims: { exp: number; nbf?: number }, nowMs: number): void;
};

export function createVerifiedTokens(
  options: {
    maxEntries?: number | undefined;
    maxAgeMs?: number | undefined;
    maxTokenLength?: number | undefined;
  } = {},
): VerifiedTokens {
  const maxEntries = options.maxEntries ?? 5_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const maxTokenLength = options.maxTokenLength ?? 2_048;
  // A Map iterates in insertion order: the first key is the oldest entry.
  const entries = new Map<string, { actor: Actor; expiresAtMs: number }>();
  return {
    get(token, nowMs) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (entry.expiresAtMs <= nowMs) {
        entries.delete(token);
        return undefined;
      }
      return entry.actor;
    },
    remember(token, actor, claims, nowMs) {
      if (token.length > maxTokenLength) return;
      if (claims.nbf !== undefined && claims.nbf * 1000 > nowMs) return;
      const expiresAtMs = Math.min(claims.exp * 1000, nowMs + maxAgeMs);
      if (expiresAtMs <= nowMs) return;
      entries.delete(token);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(token, { actor, expiresAtMs });
    },
  };
}
