import { WebSocketConstructor } from './realtime/websocket-like';

export interface RetryOptions {
  /** Attempts in all, the first included (1: never retry). */
  attempts: number;
  /** The first backoff; each next one doubles, with jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ClientOptions {
  /** The command service, e.g. `http://127.0.0.1:4000`. */
  baseUrl: string;
  /** The realtime service; by default `baseUrl` with port 4001 when it is on 4000, else `baseUrl`. */
  realtimeUrl?: string;
  /** An API key `tl_…`. */
  apiKey?: string;
  /** A JWT (or a key); `getToken` wins when both are given. */
  token?: string;
  /** Called before every request and connection, so a token can be refreshed. */
  getToken?: () => string | Promise<string>;
  fetch?: typeof fetch;
  /** Node 20 has no global WebSocket: pass `ws` there. Browsers use `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** How long one attempt of a request may take (default 30 s). */
  timeoutMs?: number;
  /** Retries of transient failures (default 5 attempts, 200 ms to 5 s); `false` never retries. */
  retry?: Partial<RetryOptions> | false;
  /** The producer id of this client's appends (default: a random `sdk-…` one per client). */
  producerId?: string;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Every call takes `signal`, an AbortSignal that ends it (the promise rejects with AbortedError). */
export interface CallOptions {
  signal?: AbortSignal;
}

export function realtimeUrlOf(options: ClientOptions): string {
  if (options.realtimeUrl !== undefined) {
    return trimSlash(options.realtimeUrl);
  }
  const url = new URL(options.baseUrl);
  if (url.port === '4000') {
    url.port = '4001';
  }
  return trimSlash(url.toString());
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
