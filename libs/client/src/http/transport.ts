import {
  AbortedError,
  ConflictError,
  errorFromResponse,
  RateLimitedError,
  ThreadlineError,
  UnavailableError,
} from '../errors';
import { CallOptions, ClientOptions, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, RetryOptions, trimSlash } from '../options';
import { backoffMs, sleep } from './sleep';

/** 503 codes after which the write may have happened: only a request that is safe to repeat is retried. */
const OUTCOME_OPEN = new Set(['kafka_unavailable', 'kafka_timeout', 'outcome_unknown', 'outcome_pending']);

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions extends CallOptions {
  body?: unknown;
  query?: Query;
  /**
   * Whether sending the request twice has the effect of sending it once (reads, PUT, DELETE, an append with its
   * producer pair, a run batch with its producer_seq). Only such requests are retried after a timeout, a lost
   * connection, a 5xx or a 503 whose write may have happened (kafka_*, outcome_*); every request is retried after
   * a 429 or another 503, which say nothing was done.
   */
  idempotent: boolean;
  /** A body sent as it is (a stream is sent with `duplex: 'half'`), instead of `body` as JSON. */
  rawBody?: { body: ReadableStream<Uint8Array>; contentType: string };
  /** Overrides the client's per-attempt timeout (0: none, for a body that streams for minutes). */
  timeoutMs?: number;
}

/** The HTTP side of the client: credentials, per-attempt timeouts, typed errors and safe retries. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = trimSlash(options.baseUrl);
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = options.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
  }

  /** The credential for the next request or connection, if any. */
  /** Whether `token()` may answer a new credential each time (`getToken` was given). */
  get refreshesToken(): boolean {
    return this.options.getToken !== undefined;
  }

  async token(): Promise<string | undefined> {
    if (this.options.getToken !== undefined) {
      return this.options.getToken();
    }
    return this.options.token ?? this.options.apiKey;
  }

  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let failure: ThreadlineError;
      try {
        return await this.attempt<T>(method, path, options);
      } catch (error) {
        if (!(error instanceof ThreadlineError) || error instanceof AbortedError) {
          throw error;
        }
        failure = error;
      }
      if (attempt >= this.retry.attempts || !this.retryable(failure, options.idempotent)) {
        throw failure;
      }
      const hinted =
        failure instanceof UnavailableError || failure instanceof RateLimitedError ? failure.retryAfterMs : 0;
      await sleep(Math.max(hinted, backoffMs(attempt, this.retry.baseDelayMs, this.retry.maxDelayMs)), options.signal);
    }
  }

  private retryable(error: ThreadlineError, idempotent: boolean): boolean {
    if (error instanceof RateLimitedError || (error.status === 503 && !OUTCOME_OPEN.has(error.code))) {
      return true;
    }
    if (!idempotent) {
      return false;
    }
    if (error.status === 503) {
      return true;
    }
    if (error instanceof ConflictError) {
      return error.code === 'run_busy';
    }
    return error instanceof UnavailableError && error.code !== 'internal_error';
  }

  private async attempt<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    if (options.signal?.aborted) {
      throw new AbortedError();
    }
    const controller = new AbortController();
    let timedOut = false;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timer =
      timeoutMs === 0
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs);
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const token = await this.token();
      const contentType = options.rawBody?.contentType ?? (options.body === undefined ? undefined : 'application/json');
      const init: RequestInit & { duplex?: 'half' } = {
        method,
        headers: {
          accept: 'application/json',
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: options.rawBody?.body ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
        signal: controller.signal,
        ...(options.rawBody === undefined ? {} : { duplex: 'half' }),
      };
      const res = await this.fetchImpl(this.url(path, options.query), init);
      const text = await res.text();
      const body: unknown = text === '' ? undefined : parseJson(text);
      if (!res.ok) {
        throw errorFromResponse(res.status, body, res.headers.get('retry-after'));
      }
      return body as T;
    } catch (error) {
      if (error instanceof ThreadlineError) {
        throw error;
      }
      if (options.signal?.aborted) {
        throw new AbortedError();
      }
      const code = timedOut ? 'timeout' : 'network_error';
      const detail = timedOut ? `no answer within ${timeoutMs} ms` : String(error);
      throw new UnavailableError(`${method} ${path}: ${detail}`, 0, code, null, 0);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) {
        params.append(name, String(value));
      }
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `encodeURIComponent` for a path segment (ids may hold `:`, which stays readable). */
export function segment(id: string): string {
  return encodeURIComponent(id);
}
