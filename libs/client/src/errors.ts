/** The body of every error the services answer: `{error, message, ...fields}` (docs/api.md, "Error codes"). */
export interface ErrorBody {
  error: string;
  message: string;
  [field: string]: unknown;
}

/** Any failure of a Threadline call: `status` 0 when no HTTP answer came (network, timeout, abort). */
export class ThreadlineError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly body: ErrorBody | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: a field breaks a rule; `field` is the one the message names (`message.parts`), when it names one. */
export class ValidationError extends ThreadlineError {
  get field(): string | null {
    return /^([A-Za-z_][\w.[\]-]*):/.exec(this.message)?.[1] ?? null;
  }
}

export class UnauthorizedError extends ThreadlineError {}
export class ForbiddenError extends ThreadlineError {}
export class NotFoundError extends ThreadlineError {}

/** 409: `conflict` carries `currentVersion`; other codes (`run_busy`, `agent_exists`, ...) leave it null. */
export class ConflictError extends ThreadlineError {
  get currentVersion(): number | null {
    const value = this.body?.current_version ?? this.body?.current_seq;
    return typeof value === 'number' ? value : null;
  }
}

/** 410: the conversation was deleted. */
export class TombstonedError extends ThreadlineError {}

export class PayloadTooLargeError extends ThreadlineError {}

/** 429: over a tenant limit; retry after `retryAfterMs`. */
export class RateLimitedError extends ThreadlineError {
  constructor(
    message: string,
    status: number,
    code: string,
    body: ErrorBody | null,
    readonly retryAfterMs: number,
  ) {
    super(message, status, code, body);
  }
}

/** 503 (or no answer at all): transient; the same request may be retried after `retryAfterMs`. */
export class UnavailableError extends ThreadlineError {
  constructor(
    message: string,
    status: number,
    code: string,
    body: ErrorBody | null,
    readonly retryAfterMs: number,
  ) {
    super(message, status, code, body);
  }
}

/** The call was aborted by the caller's AbortSignal. */
export class AbortedError extends ThreadlineError {
  constructor() {
    super('aborted', 0, 'aborted');
  }
}

/** The typed error for an HTTP answer that is not 2xx. */
export function errorFromResponse(status: number, body: unknown, retryAfterHeader: string | null): ThreadlineError {
  const parsed = isErrorBody(body) ? body : null;
  const code = parsed?.error ?? 'http_error';
  const message = parsed?.message ?? `HTTP ${status}`;
  const retryAfterMs = retryAfterOf(parsed, retryAfterHeader);
  if (status === 400 || status === 415) {
    return new ValidationError(message, status, code, parsed);
  }
  if (status === 401) {
    return new UnauthorizedError(message, status, code, parsed);
  }
  if (status === 403) {
    return new ForbiddenError(message, status, code, parsed);
  }
  if (status === 404) {
    return new NotFoundError(message, status, code, parsed);
  }
  if (status === 409) {
    return new ConflictError(message, status, code, parsed);
  }
  if (status === 410) {
    return new TombstonedError(message, status, code, parsed);
  }
  if (status === 413) {
    return new PayloadTooLargeError(message, status, code, parsed);
  }
  if (status === 429) {
    return new RateLimitedError(message, status, code, parsed, retryAfterMs ?? 1000);
  }
  if (status >= 500) {
    return new UnavailableError(message, status, code, parsed, retryAfterMs ?? 0);
  }
  return new ThreadlineError(message, status, code, parsed);
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ErrorBody).error === 'string';
}

function retryAfterOf(body: ErrorBody | null, header: string | null): number | null {
  if (typeof body?.retry_after_ms === 'number') {
    return body.retry_after_ms;
  }
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) ? seconds * 1000 : null;
}
