/** A tiny JSON client for the REST API, as any language's worker would use it. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiOptions {
  /** Client-side bound: the request fails (TimeoutError) if the whole answer has not arrived by then. */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  rawBody?: string,
  options: ApiOptions = {},
): Promise<ApiResponse<T>> {
  const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    body: rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined),
    signal,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

export function textMessage(text: string, role = 'user') {
  return { role, parts: [{ type: 'text', text }] };
}
