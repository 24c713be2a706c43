import { SignJWT } from 'jose';

/** One HTTP exchange with a replica, as the chaos users see it. */
export type ApiAnswer = {
  status: number;
  body: unknown;
  /** The problem `type` of an error answer (docs/problems.md). */
  problemType: string | undefined;
  etag: string | undefined;
};

export type ApiCall = {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  token: string;
  body?: unknown;
  headers?: Record<string, string>;
};

// Longer than ORDER_RESPONSE_DEADLINE_MS plus the product lookups: a replica silent this long
// is treated as gone, and the request is sent again elsewhere with the same key.
const callTimeoutMs = 15_000;

/** The answer, or `undefined` when none came (refused, reset by a kill, timed out). */
export async function callApi(
  baseUrl: string,
  call: ApiCall,
): Promise<{ answer: ApiAnswer | undefined; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}${call.path}`, {
      method: call.method,
      headers: {
        Authorization: `Bearer ${call.token}`,
        ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...call.headers,
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal: AbortSignal.timeout(callTimeoutMs),
    });
    const body = parseJson(await response.text());
    return {
      answer: {
        status: response.status,
        body,
        problemType: problemTypeOf(body),
        etag: response.headers.get('etag') ?? undefined,
      },
      ms: performance.now() - started,
    };
  } catch {
    return { answer: undefined, ms: performance.now() - started };
  }
}

/** The `id` and `status` of an order in an answer's body, when it carries one. */
export function orderIn(body: unknown): { id: number; status: string } | undefined {
  if (typeof body !== 'object' || body === null || !('id' in body) || !('status' in body)) {
    return undefined;
  }
  const { id, status } = body;
  return typeof id === 'number' && typeof status === 'string' ? { id, status } : undefined;
}

function problemTypeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('type' in body)) return undefined;
  return typeof body.type === 'string' ? body.type : undefined;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed;
  } catch {
    return text;
  }
}

/** An HS256 token the replicas accept (test/support/tokens.ts makes them the same way). */
export function tokenFor(userId: number, role: 'user' | 'admin', secret: string): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(userId))
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(new TextEncoder().encode(secret));
}
