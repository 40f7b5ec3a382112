import { storedCredential } from './session';

/** An error answer of the REST API: its status, machine-readable code and message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** A credential to use instead of the signed-in one (the sign-in check). */
  credential?: string;
}

/** One call of the public REST API (same origin as the page), with the signed-in credential. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const credential = options.credential ?? storedCredential();
  const headers: Record<string, string> = {};
  if (credential !== null) {
    headers.authorization = `Bearer ${credential}`;
  }
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (!res.ok) {
    const error = parsed as { error?: string; message?: string };
    throw new ApiFailure(res.status, error.error ?? 'error', error.message ?? `HTTP ${res.status}`);
  }
  return parsed as T;
}

/** A query string from the defined values (empty when none). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      search.append(name, String(value));
    }
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function describeFailure(error: unknown): string {
  if (error instanceof ApiFailure) {
    return `${error.status} ${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
