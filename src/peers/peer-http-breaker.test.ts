import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PeerCallEvent } from './peer-http.js';
import { ctx, keyedPost, useStandInPeer } from './peer-http-test-transport.js';

const stand = useStandInPeer();
const { transport } = stand;

afterEach(() => {
  vi.useRealTimers();
});

describe('circuit breaker', () => {
  it('opens after N consecutive failed attempts, then fails fast without a request', async () => {
    const events: PeerCallEvent[] = [];
    const http = transport({
      maxAttempts: 1,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
      onCall: (event) => events.push(event),
    });
    stand.peer.answer({ status: 503 });

    for (let call = 0; call < 3; call += 1) await http.send(keyedPost, ctx);
    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'circuit_open', lastStatus: null });
    expect(stand.peer.requests).toHaveLength(3);
    expect(events.at(-1)?.status).toBe('circuit_open');
  });

  it('stops retrying once the breaker opens mid-call', async () => {
    const http = transport({
      maxAttempts: 5,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
    });
    stand.peer.answer({ status: 500 });

    const response = await http.send(keyedPost, ctx);

    expect(response).toEqual({ kind: 'no-answer', reason: 'circuit_open', lastStatus: 500 });
    expect(stand.peer.requests).toHaveLength(2);
  });

  it('lets a trial call through after halfOpenAfterMs and closes on success', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const http = transport({
      maxAttempts: 1,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
    });
    stand.peer.answer({ status: 503 }, { status: 200, body: {} });
    await http.send(keyedPost, ctx);
    expect(await http.send(keyedPost, ctx)).toMatchObject({ reason: 'circuit_open' });

    vi.setSystemTime(Date.now() + 10_001);
    const trial = await http.send(keyedPost, ctx);
    const after = await http.send(keyedPost, ctx);

    expect(trial).toMatchObject({ kind: 'answered', status: 200 });
    expect(after).toMatchObject({ kind: 'answered', status: 200 });
    expect(stand.peer.requests).toHaveLength(3);
  });

  it('never opens on 4xx answers such as 402 and 409', async () => {
    const http = transport({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    stand.peer.answer(
      { status: 402 },
      { status: 409 },
      { status: 402 },
      { status: 409 },
      { status: 400 },
    );

    const statuses: unknown[] = [];
    for (let call = 0; call < 5; call += 1) {
      const response = await http.send(keyedPost, ctx);
      statuses.push(response.kind === 'answered' ? response.status : response.reason);
    }

    expect(statuses).toEqual([402, 409, 402, 409, 400]);
    expect(stand.peer.requests).toHaveLength(5);
  });
});

describe('breaker state changes', () => {
  it('reports open, half-open and closed as the breaker moves', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const states: string[] = [];
    const http = transport({
      maxAttempts: 1,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 10_000 },
      onBreakerStateChange: (state) => states.push(state),
    });
    stand.peer.answer({ status: 503 }, { status: 200, body: {} });

    await http.send(keyedPost, ctx);
    vi.setSystemTime(Date.now() + 10_001);
    await http.send(keyedPost, ctx);

    expect(states).toEqual(['open', 'half-open', 'closed']);
  });
});
