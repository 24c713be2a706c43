import { describe, expect, it } from 'vitest';
import type { Actor } from '../domain/actor.js';
import { userId } from '../domain/ids.js';
import { createVerifiedTokens } from './verified-tokens.js';

const alice: Actor = { kind: 'user', userId: userId(7), role: 'user' };
const now = 1_800_000_000_000;
const inAnHour = now / 1000 + 3600;

describe('verified tokens', () => {
  it('knows a remembered token, and only those exact bytes', () => {
    const tokens = createVerifiedTokens();
    tokens.remember('a.b.c', alice, { exp: inAnHour }, now);

    expect(tokens.get('a.b.c', now + 1000)).toEqual(alice);
    expect(tokens.get('a.b.C', now + 1000)).toBeUndefined();
    expect(tokens.get('a.b.c ', now + 1000)).toBeUndefined();
  });

  it('forgets a token at its exp, or after maxAgeMs if that comes first', () => {
    const tokens = createVerifiedTokens({ maxAgeMs: 60_000 });
    tokens.remember('soon', alice, { exp: now / 1000 + 10 }, now);
    tokens.remember('later', alice, { exp: inAnHour }, now);

    expect(tokens.get('soon', now + 9_999)).toEqual(alice);
    expect(tokens.get('soon', now + 10_000)).toBeUndefined();
    expect(tokens.get('later', now + 59_999)).toEqual(alice);
    expect(tokens.get('later', now + 60_000)).toBeUndefined();
  });

  it('does not keep a token that is not valid yet, already expired, or outsized', () => {
    const tokens = createVerifiedTokens({ maxTokenLength: 10 });
    tokens.remember('early', alice, { exp: inAnHour, nbf: now / 1000 + 2 }, now);
    tokens.remember('late', alice, { exp: now / 1000 - 1 }, now);
    tokens.remember('x'.repeat(11), alice, { exp: inAnHour }, now);

    expect(tokens.get('early', now + 3000)).toBeUndefined();
    expect(tokens.get('late', now)).toBeUndefined();
    expect(tokens.get('x'.repeat(11), now)).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const tokens = createVerifiedTokens({ maxEntries: 2 });
    tokens.remember('one', alice, { exp: inAnHour }, now);
    tokens.remember('two', alice, { exp: inAnHour }, now);
    tokens.remember('three', alice, { exp: inAnHour }, now);

    expect(tokens.get('one', now)).toBeUndefined();
    expect(tokens.get('two', now)).toEqual(alice);
    expect(tokens.get('three', now)).toEqual(alice);
  });
});
