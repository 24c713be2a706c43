import type { Agent, Dispatcher } from 'undici';
import { request } from 'undici';
import type { OutgoingRequest, PeerResponse } from './peer-http.js';

/**
 * undici's `request` on the peer's own keep-alive Agent, not the global fetch: the issue measured
 * a saga's peer fan-out at about 900 req/s through `request` and 410 through `fetch` (fetch adds
 * the WHATWG Request/Response/stream layers). The timeout signal covers reading the body too.
 */
export async function sendOnce(
  agent: Agent,
  url: string,
  init: OutgoingRequest,
  timeoutMs: number,
): Promise<PeerResponse> {
  // Not AbortSignal.timeout: its timer fires after every call, answered or not, and makes a
  // TimeoutError (a DOMException with its stack) each time. This one is cleared on the answer.
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(() => {
    controller.abort();
  }, timeoutMs);
  try {
    const response = await request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal,
      dispatcher: agent,
    });
    // Always read the body: an unread body holds its connection out of the pool.
    const text = await readCapped(response.body, response.headers['content-length']);
    const status = response.statusCode;
    if (status >= 500) return { kind: 'no-answer', reason: 'server_error', lastStatus: status };
    if (status === 429) return { kind: 'no-answer', reason: 'rate_limited', lastStatus: status };
    const isJson = jsonContentType.test(String(response.headers['content-type'] ?? ''));
    return { kind: 'answered', status, body: isJson ? parseJson(text) : undefined };
  } catch {
    // A refused or reset connection and the signal's timeout both reject; the signal tells
    // them apart.
    return {
      kind: 'no-answer',
      reason: signal.aborted ? 'timeout' : 'network_error',
      lastStatus: null,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The contract's answers are a few hundred bytes; a peer that sends more is not followed into
 * memory. 64 KiB leaves room for fields a peer adds later.
 */
export const maxPeerBodyBytes = 64 * 1024;

const jsonContentType = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** The body as text, or undefined (the connection dropped) once it passes maxPeerBodyBytes. */
async function readCapped(
  body: Dispatcher.ResponseData['body'],
  contentLength: string | string[] | undefined,
): Promise<string | undefined> {
  if (Number(contentLength) > maxPeerBodyBytes) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('undici yields Buffers');
    size += chunk.length;
    if (size > maxPeerBodyBytes) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
