export type HttpResponse<T = any> = {
  status: number;
  headers: Headers;
  body: T;
  text: string;
};

/** A small JSON client over fetch: the tests speak real HTTP to the service and the sandbox. */
export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    rawBody?: string | Uint8Array;
    headers?: Record<string, string>;
    token?: string;
  } = {},
): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['Content-Type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export type Api = {
  get<T = any>(path: string, headers?: Record<string, string>): Promise<HttpResponse<T>>;
  post<T = any>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResponse<T>>;
  patch<T = any>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpResponse<T>>;
};

/** The service's API as one caller (or anonymous without a token). */
export function apiAs(baseUrl: string, token?: string): Api {
  const withToken = token === undefined ? {} : { token };
  return {
    get: (path, headers) => request(baseUrl, 'GET', path, { headers: headers ?? {}, ...withToken }),
    post: (path, body, headers) =>
      request(baseUrl, 'POST', path, { body, headers: headers ?? {}, ...withToken }),
    patch: (path, body, headers) =>
      request(baseUrl, 'PATCH', path, { body, headers: headers ?? {}, ...withToken }),
  };
}
