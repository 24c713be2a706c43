export type JsonResponse = { status: number; body: unknown };

export type JsonRequest = {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

/** fetch with a JSON body, answering the status and the parsed body (null when empty). */
export async function callJson(
  method: string,
  url: string,
  request: JsonRequest = {},
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', ...request.headers },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const text = await response.text();
  const body: unknown = text === '' ? null : JSON.parse(text);
  return { status: response.status, body };
}
