import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A request as the fuzz suites send it: any method, path text, headers and body bytes. */
export interface RawRequest {
  method: string;
  /** Path and query exactly as sent (percent-encoding is the caller's). */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

export async function send(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const res = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    // Bytes, so that fetch adds no content-type of its own when the request has none.
    body: typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Every word docs/api.md sets in backticks: the error codes the API may answer with are among them. */
export function documentedCodes(): Set<string> {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');
  return new Set([...doc.matchAll(/`([a-z][a-z0-9_]*)`/g)].map((m) => m[1]));
}

/** What is wrong with an answer to any request, or null: a 5xx, or a 4xx that is not a documented `{error, message}`. */
export function answerProblem(res: RawResponse, codes: ReadonlySet<string>): string | null {
  if (res.status >= 200 && res.status < 300) {
    return null;
  }
  if (res.status < 400 || res.status >= 500) {
    return `status ${res.status} (expected 2xx or 4xx): ${res.text.slice(0, 300)}`;
  }
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `status ${res.status} with a body that is not JSON: ${JSON.stringify(res.text.slice(0, 300))}`;
  }
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
  if (typeof error !== 'string' || !codes.has(error)) {
    return `status ${res.status} with error ${JSON.stringify(error)}, not a code docs/api.md lists: ${res.text.slice(0, 300)}`;
  }
  if (typeof message !== 'string' || message.length === 0) {
    return `status ${res.status} ${error} without a non-empty message: ${res.text.slice(0, 300)}`;
  }
  return null;
}

/** Percent-encodes every UTF-8 byte of `text` (a lone surrogate becomes U+FFFD's bytes). */
export function percentEncodeAll(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}
